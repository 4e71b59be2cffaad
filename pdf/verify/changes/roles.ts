import type { PdfReader } from '../../core/document';
import type { PdfDict } from '../../core/objects';
import { PdfRef, type PdfValue, isDict, nameOf } from '../../core/objects';

/** A form field of the signed revision, as reached from one of its objects (field, widget, appearance). */
export interface FieldRole {
  name: string;
  ft?: string;
  /** The field dictionary (merged with its widget when it has no /Kids). */
  field: PdfDict;
  /** Whether the field had a value (/V) in the signed revision. */
  hasValue: boolean;
}

/**
 * What each object of the signed revision is, by object number: the map a rule needs to decide whether overriding
 * that object is allowed. Built once per revision pair from the older revision.
 */
export interface Roles {
  root?: number;
  info?: number;
  metadata?: number;
  /** Indirect catalog /Extensions dictionary (ISO 32000-1 7.12). */
  extensions?: number;
  acroForm?: number;
  /** Indirect AcroForm /DR default resources dictionary (ISO 32000-1 12.7.2 Table 218). */
  acroFormDr?: number;
  fieldsArray?: number;
  dss?: number;
  /** Page objects, with their 1-based page number. */
  pages: Map<number, number>;
  pageTreeNodes: Set<number>;
  /** Indirect /Annots arrays, with the page object holding them. */
  annotsArrays: Map<number, number>;
  /** Content streams (and indirect /Contents arrays) and indirect resource dictionaries of pages. */
  content: Set<number>;
  fonts: Set<number>;
  xobjects: Set<number>;
  /** Field dictionaries and widget annotations. */
  fields: Map<number, FieldRole>;
  /** Indirect /AP dictionaries and appearance streams of fields. */
  appearances: Map<number, FieldRole>;
  /** Signature dictionaries that are the value of a field (12.8.1). */
  sigDicts: Map<number, string>;
  /** Annotations other than widgets. */
  annotations: Set<number>;
  /** Objects under /DSS (dictionary, /VRI, arrays). */
  dssParts: Set<number>;
  /** /StructTreeRoot, its /ParentTree nodes and structure elements. */
  structTree: Set<number>;
}

const MAX_STRUCT_NODES = 20_000;

function refNum(v: PdfValue | undefined): number | undefined {
  return v instanceof PdfRef ? v.num : undefined;
}

async function dictOf(r: PdfReader, v: PdfValue | undefined): Promise<PdfDict | undefined> {
  return r.resolveDict(v);
}

async function addResources(r: PdfReader, roles: Roles, res: PdfValue | undefined): Promise<void> {
  const n = refNum(res);
  if (n !== undefined) roles.content.add(n);
  const d = await dictOf(r, res);
  if (!d) return;
  for (const [kind, set] of [
    ['Font', roles.fonts],
    ['XObject', roles.xobjects],
  ] as const) {
    const sub = d.get(kind);
    const subNum = refNum(sub);
    if (subNum !== undefined) roles.content.add(subNum);
    const sd = await dictOf(r, sub);
    for (const v of sd?.map.values() ?? []) {
      const num = refNum(v);
      if (num !== undefined) set.add(num);
    }
  }
}

async function addPage(r: PdfReader, roles: Roles, ref: PdfRef, pageNo: number): Promise<void> {
  roles.pages.set(ref.num, pageNo);
  const page = await r.resolveDict(ref);
  if (!page) return;
  const contents = page.get('Contents');
  const cn = refNum(contents);
  if (cn !== undefined) roles.content.add(cn);
  const arr = await r.resolve(contents);
  for (const c of Array.isArray(arr) ? arr : []) if (refNum(c) !== undefined) roles.content.add(refNum(c)!);
  await addResources(r, roles, page.get('Resources'));
  const annots = page.get('Annots');
  const an = refNum(annots);
  if (an !== undefined) roles.annotsArrays.set(an, ref.num);
  const list = await r.resolve(annots);
  for (const a of Array.isArray(list) ? list : []) {
    const d = await r.resolveDict(a);
    const num = refNum(a);
    if (d && num !== undefined && nameOf(d.get('Subtype')) !== 'Widget') roles.annotations.add(num);
  }
}

async function addPageTree(r: PdfReader, roles: Roles): Promise<void> {
  const seen = new Set<number>();
  const walk = async (v: PdfValue | undefined, depth: number): Promise<void> => {
    const num = refNum(v);
    if (num === undefined || seen.has(num) || depth > 64) return;
    seen.add(num);
    const node = await r.resolveDict(v);
    const kids = await r.resolve(node?.get('Kids'));
    if (!Array.isArray(kids)) return;
    roles.pageTreeNodes.add(num);
    const kn = refNum(node?.get('Kids'));
    if (kn !== undefined) roles.pageTreeNodes.add(kn);
    for (const k of kids) await walk(k, depth + 1);
  };
  await walk((await r.catalog()).get('Pages'), 0);
  const pages = await r.pageRefs();
  for (let i = 0; i < pages.length; i++) await addPage(r, roles, pages[i]!, i + 1);
}

async function addAppearance(r: PdfReader, roles: Roles, ap: PdfValue | undefined, role: FieldRole) {
  const apNum = refNum(ap);
  if (apNum !== undefined) roles.appearances.set(apNum, role);
  const d = await r.resolveDict(ap);
  for (const key of ['N', 'R', 'D']) {
    const v = d?.get(key);
    if (refNum(v) !== undefined) roles.appearances.set(refNum(v)!, role);
    const states = await r.resolve(v);
    if (isDict(states))
      for (const s of states.map.values())
        if (refNum(s) !== undefined) roles.appearances.set(refNum(s)!, role);
  }
}

async function addFields(r: PdfReader, roles: Roles, form: PdfDict | undefined): Promise<void> {
  for (const f of await r.fields()) {
    const role: FieldRole = {
      name: f.name,
      ft: f.ft,
      field: f.dict,
      hasValue: f.dict.get('V') !== undefined,
    };
    if (f.ref) roles.fields.set(f.ref.num, role);
    const v = f.dict.get('V');
    if (f.ft === 'Sig' && refNum(v) !== undefined) roles.sigDicts.set(refNum(v)!, f.name);
    await addAppearance(r, roles, f.dict.get('AP'), role);
    const kids = await r.resolve(f.dict.get('Kids'));
    if (refNum(f.dict.get('Kids')) !== undefined) roles.fields.set(refNum(f.dict.get('Kids'))!, role);
    for (const k of Array.isArray(kids) ? kids : []) {
      if (refNum(k) !== undefined) roles.fields.set(refNum(k)!, role);
      await addAppearance(r, roles, (await r.resolveDict(k))?.get('AP'), role);
    }
  }
  const dr = await r.resolveDict(form?.get('DR'));
  const fonts = await r.resolveDict(dr?.get('Font'));
  for (const v of fonts?.map.values() ?? []) if (refNum(v) !== undefined) roles.fonts.add(refNum(v)!);
}

async function addDss(r: PdfReader, roles: Roles, dssRef: PdfValue | undefined): Promise<void> {
  roles.dss = refNum(dssRef);
  const dss = await r.resolveDict(dssRef);
  if (!dss) return;
  if (roles.dss !== undefined) roles.dssParts.add(roles.dss);
  for (const key of ['VRI', 'Certs', 'CRLs', 'OCSPs'])
    if (refNum(dss.get(key)) !== undefined) roles.dssParts.add(refNum(dss.get(key))!);
  const vri = await r.resolveDict(dss.get('VRI'));
  for (const v of vri?.map.values() ?? []) if (refNum(v) !== undefined) roles.dssParts.add(refNum(v)!);
}

/** Whether a structure-tree value is worth descending into: arrays, structure elements, number-tree nodes. */
function isStructNode(v: PdfValue): v is PdfDict | PdfValue[] {
  if (Array.isArray(v)) return true;
  if (!isDict(v) || v.has('Subtype')) return false;
  const type = nameOf(v.get('Type'));
  return type === undefined || type === 'StructElem' || type === 'StructTreeRoot';
}

/**
 * Structure tree nodes (ISO 32000-1 14.7.2) and /ParentTree number-tree nodes (7.9.7), bounded: a tagged document
 * can hold a structure element per word. Pages, annotations and marked-content references are not entered.
 */
async function addStructTree(r: PdfReader, roles: Roles, root: PdfValue): Promise<void> {
  const tree = await r.resolveDict(root);
  const queue: PdfValue[] = [root, tree?.get('ParentTree') ?? null];
  for (let i = 0; i < queue.length && roles.structTree.size < MAX_STRUCT_NODES; i++) {
    const v = queue[i]!;
    const num = refNum(v);
    if (num !== undefined) {
      if (roles.structTree.has(num)) continue;
      roles.structTree.add(num);
    }
    const node = await r.resolve(v);
    if (node === undefined || !isStructNode(node)) continue;
    const items = Array.isArray(node) ? node : [node.get('K'), node.get('Kids'), node.get('Nums')];
    for (const k of items) {
      if (k === undefined) continue;
      const kd = await r.resolve(k);
      if (kd !== undefined && isStructNode(kd)) queue.push(k);
    }
  }
}

/** Builds the roles of the objects of revision `r`. */
export async function rolesOf(r: PdfReader): Promise<Roles> {
  const roles: Roles = {
    pages: new Map(),
    pageTreeNodes: new Set(),
    annotsArrays: new Map(),
    content: new Set(),
    fonts: new Set(),
    xobjects: new Set(),
    fields: new Map(),
    appearances: new Map(),
    sigDicts: new Map(),
    annotations: new Set(),
    dssParts: new Set(),
    structTree: new Set(),
  };
  roles.root = refNum(r.trailer.get('Root'));
  roles.info = refNum(r.trailer.get('Info'));
  const cat = await r.catalog();
  roles.metadata = refNum(cat.get('Metadata'));
  roles.extensions = refNum(cat.get('Extensions'));
  roles.acroForm = refNum(cat.get('AcroForm'));
  const form = await r.resolveDict(cat.get('AcroForm'));
  roles.fieldsArray = refNum(form?.get('Fields'));
  roles.acroFormDr = refNum(form?.get('DR'));
  await addPageTree(r, roles);
  await addFields(r, roles, form);
  await addDss(r, roles, cat.get('DSS'));
  const structTree = cat.get('StructTreeRoot');
  if (structTree !== undefined) await addStructTree(r, roles, structTree);
  return roles;
}
