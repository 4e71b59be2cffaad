import { createHash } from 'node:crypto';
import type { PdfReader } from '../core/document';
import type { PdfDict } from '../core/objects';
import { PdfRef, PdfStream, type PdfValue, deepEqual, isDict, nameOf } from '../core/objects';
import type { XrefEntry } from '../core/xref';
import type { Change } from './report';

/** Keys of the catalog that later signatures, DSS and document time-stamps may change (ETSI EN 319 142-1 5.4, A). */
const CATALOG_KEYS = new Set(['AcroForm', 'DSS', 'Extensions']);
/** AcroForm keys a signer may update (ISO 32000-1 12.7.2 Table 218). */
const ACROFORM_KEYS = new Set(['Fields', 'SigFlags', 'DR', 'DA', 'NeedAppearances']);
/** Keys of an empty signature field that signing it may set (12.7.4.5). */
const SIG_FIELD_KEYS = new Set(['V', 'AP', 'F', 'Ff', 'Lock', 'SV', 'DA', 'MK']);
const MAX_COMPARED_STREAM = 16 * 1024 * 1024;

function sameEntry(a: XrefEntry | undefined, b: XrefEntry | undefined): boolean {
  if (!a || !b || a.type !== b.type) return false;
  if (a.type === 'offset' && b.type === 'offset') return a.offset === b.offset && a.gen === b.gen;
  if (a.type === 'compressed' && b.type === 'compressed') return a.stream === b.stream && a.index === b.index;
  return a.type === 'free';
}

/** What the objects of the signed revision are, by number. */
interface Roles {
  root?: number;
  info?: number;
  acroForm?: number;
  fieldsArray?: number;
  pages: Set<number>;
  annotsArrays: Set<number>;
  sigFields: Set<number>;
}

async function rolesOf(r: PdfReader): Promise<Roles> {
  const roles: Roles = { pages: new Set(), annotsArrays: new Set(), sigFields: new Set() };
  const root = r.trailer.get('Root');
  if (root instanceof PdfRef) roles.root = root.num;
  const info = r.trailer.get('Info');
  if (info instanceof PdfRef) roles.info = info.num;
  const cat = await r.catalog();
  const form = cat.get('AcroForm');
  if (form instanceof PdfRef) roles.acroForm = form.num;
  const formDict = await r.resolveDict(form);
  const fields = formDict?.get('Fields');
  if (fields instanceof PdfRef) roles.fieldsArray = fields.num;
  for (const p of await r.pageRefs()) {
    roles.pages.add(p.num);
    const annots = (await r.resolveDict(p))?.get('Annots');
    if (annots instanceof PdfRef) roles.annotsArrays.add(annots.num);
  }
  for (const f of await r.fields()) if (f.ref && f.ft === 'Sig') roles.sigFields.add(f.ref.num);
  return roles;
}

async function streamDigest(r: PdfReader, s: PdfStream): Promise<string | undefined> {
  if (s.dataLength > MAX_COMPARED_STREAM) return undefined;
  return createHash('sha256')
    .update(await r.streamData(s, MAX_COMPARED_STREAM))
    .digest('hex');
}

async function sameValue(prev: PdfReader, full: PdfReader, a: PdfValue, b: PdfValue): Promise<boolean> {
  if (a instanceof PdfStream && b instanceof PdfStream) {
    if (!deepEqual(a.dict, b.dict) || a.dataLength !== b.dataLength) return false;
    const [da, db] = [await streamDigest(prev, a), await streamDigest(full, b)];
    return da !== undefined && da === db;
  }
  return deepEqual(a, b);
}

/** Whether the object added to a form's /Fields or a page's /Annots is a signature field or its widget. */
async function isSignatureItem(full: PdfReader, v: PdfValue): Promise<boolean> {
  const d = await full.resolveDict(v);
  if (!d) return false;
  if (nameOf(d.get('FT')) === 'Sig') return true;
  const parent = await full.resolveDict(d.get('Parent'));
  return nameOf(parent?.get('FT')) === 'Sig';
}

/** New array must keep every old element; each added element must be a signature field or widget. */
async function checkAddedSignatureItems(
  full: PdfReader,
  oldArr: PdfValue | undefined,
  newArr: PdfValue | undefined,
): Promise<string | undefined> {
  const o = Array.isArray(oldArr) ? oldArr : [];
  const n = Array.isArray(newArr) ? newArr : [];
  for (const x of o) if (!n.some((y) => deepEqual(x, y))) return 'an existing entry was removed';
  for (const y of n) {
    if (o.some((x) => deepEqual(x, y))) continue;
    if (!(await isSignatureItem(full, y)))
      return 'an entry that is not a signature field or widget was added';
  }
  return undefined;
}

async function resolveArray(r: PdfReader, v: PdfValue | undefined): Promise<PdfValue | undefined> {
  return v instanceof PdfRef ? r.getObject(v.num) : v;
}

async function checkAcroForm(
  prev: PdfReader,
  full: PdfReader,
  a: PdfDict,
  b: PdfDict,
): Promise<string | undefined> {
  for (const key of new Set([...a.map.keys(), ...b.map.keys()])) {
    if (deepEqual(a.get(key), b.get(key))) continue;
    if (!ACROFORM_KEYS.has(key)) return `AcroForm /${key} changed`;
    if (key === 'Fields') {
      const why = await checkAddedSignatureItems(
        full,
        await resolveArray(prev, a.get('Fields')),
        await resolveArray(full, b.get('Fields')),
      );
      if (why) return `AcroForm /Fields: ${why}`;
    }
  }
  return undefined;
}

function differingKeys(a: PdfDict, b: PdfDict): string[] {
  return [...new Set([...a.map.keys(), ...b.map.keys()])].filter((k) => !deepEqual(a.get(k), b.get(k)));
}

/**
 * Lists what changed between the signed revision `prev` (the first ByteRange-covered bytes) and the whole document
 * `full`, classifying each changed object as allowed or not. Allowed: new objects, later signature fields and their
 * widgets (page /Annots and AcroForm /Fields additions), filling an empty signature field, DSS and metadata (/Info)
 * updates, cross-reference and object streams. Anything else (content, resources, pages) is not allowed.
 */
export async function changesAfterSigning(prev: PdfReader, full: PdfReader): Promise<Change[]> {
  const roles = await rolesOf(prev);
  const changes: Change[] = [];
  const prevRoot = prev.trailer.get('Root');
  const fullRoot = full.trailer.get('Root');
  if (!deepEqual(prevRoot, fullRoot))
    changes.push({
      object: 0,
      kind: 'catalog',
      allowed: false,
      detail: 'trailer /Root points to another catalog',
    });
  const added: number[] = [];
  const changedStreams = new Set<number>();
  for (const [num, pe] of prev.entries)
    if (pe.type !== 'free' && !sameEntry(pe, full.entries.get(num))) changedStreams.add(num);

  for (const [num, fe] of full.entries) {
    const pe = prev.entries.get(num);
    const containerChanged = fe.type === 'compressed' && changedStreams.has(fe.stream);
    if (sameEntry(pe, fe) && !containerChanged) continue;
    if (fe.type === 'free') {
      if (pe && pe.type !== 'free')
        changes.push({ object: num, kind: 'deleted', allowed: false, detail: `object ${num} was deleted` });
      continue;
    }
    if (!pe || pe.type === 'free') {
      added.push(num);
      continue;
    }
    const a = await prev.getObject(num);
    const b = await full.getObject(num);
    if (await sameValue(prev, full, a, b)) continue;
    changes.push(await classify(prev, full, roles, num, a, b));
  }
  if (added.length)
    changes.push({
      object: added[0]!,
      kind: 'new-object',
      allowed: true,
      detail: `${added.length} new object(s): ${added.slice(0, 20).join(' ')}${added.length > 20 ? ' ...' : ''}`,
    });
  return changes;
}

async function classify(
  prev: PdfReader,
  full: PdfReader,
  roles: Roles,
  num: number,
  a: PdfValue,
  b: PdfValue,
): Promise<Change> {
  const ok = (kind: Change['kind'], detail: string): Change => ({ object: num, kind, allowed: true, detail });
  const bad = (kind: Change['kind'], detail: string): Change => ({
    object: num,
    kind,
    allowed: false,
    detail,
  });
  const type =
    a instanceof PdfStream ? nameOf(a.dict.get('Type')) : isDict(a) ? nameOf(a.get('Type')) : undefined;
  if (type === 'XRef' || type === 'ObjStm') return ok('structure', `${type} stream ${num} replaced`);
  if (num === roles.info) return ok('metadata', 'document information dictionary updated');
  if (num === roles.root && isDict(a) && isDict(b)) {
    for (const key of differingKeys(a, b)) {
      if (!CATALOG_KEYS.has(key)) return bad('catalog', `catalog /${key} changed`);
      if (key === 'AcroForm' && isDict(a.get(key)) && isDict(b.get(key))) {
        const why = await checkAcroForm(prev, full, a.get(key) as PdfDict, b.get(key) as PdfDict);
        if (why) return bad('acroform', why);
      } else if (key === 'AcroForm' && a.get(key) !== undefined)
        return bad('catalog', 'catalog /AcroForm replaced');
    }
    return ok('catalog', 'catalog updated with form/DSS entries');
  }
  if (num === roles.acroForm && isDict(a) && isDict(b)) {
    const why = await checkAcroForm(prev, full, a, b);
    return why ? bad('acroform', why) : ok('acroform', 'signature field added to the form');
  }
  if (num === roles.fieldsArray || roles.annotsArrays.has(num)) {
    const why = await checkAddedSignatureItems(full, a, b);
    return why ? bad('page-annotations', why) : ok('page-annotations', 'signature widget added');
  }
  if (roles.pages.has(num) && isDict(a) && isDict(b)) {
    for (const key of differingKeys(a, b)) {
      if (key !== 'Annots') return bad('other', `page object ${num}: /${key} changed`);
      const why = await checkAddedSignatureItems(
        full,
        await resolveArray(prev, a.get('Annots')),
        await resolveArray(full, b.get('Annots')),
      );
      if (why) return bad('page-annotations', `page object ${num}: ${why}`);
    }
    return ok('page-annotations', `signature widget added to page object ${num}`);
  }
  if (roles.sigFields.has(num) && isDict(a) && isDict(b)) {
    const keys = differingKeys(a, b);
    if (a.get('V') === undefined && keys.every((k) => SIG_FIELD_KEYS.has(k)))
      return ok('signature-value', `empty signature field ${num} signed`);
    return bad('signature-field', `signature field ${num}: ${keys.map((k) => `/${k}`).join(' ')} changed`);
  }
  if (isDict(a) && nameOf(a.get('Type')) === 'DSS') return ok('dss', 'DSS updated');
  return bad('other', `object ${num} (${type ?? (a instanceof PdfStream ? 'stream' : 'object')}) changed`);
}
