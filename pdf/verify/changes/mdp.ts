import { type PdfReader, decodeTextString } from '../../core/document';
import { type PdfDict, PdfRef, PdfString, type PdfValue, nameOf, numberOf } from '../../core/objects';
import type { DocMdpPolicy, FieldMdpPolicy } from './types';

function permissionsOf(v: PdfValue | undefined): 1 | 2 | 3 | undefined {
  const p = numberOf(v);
  return p === 1 || p === 2 || p === 3 ? p : undefined;
}

/** Signature reference dictionaries (ISO 32000-1 12.8.1 Table 253) with the given /TransformMethod. */
async function references(r: PdfReader, sig: PdfDict, method: string): Promise<PdfDict[]> {
  const refs = await r.resolve(sig.get('Reference'));
  const out: PdfDict[] = [];
  for (const x of Array.isArray(refs) ? refs : []) {
    const d = await r.resolveDict(x);
    if (d && nameOf(d.get('TransformMethod')) === method) out.push(d);
  }
  return out;
}

/**
 * DocMDP of the document as of revision `r` (ISO 32000-1 12.8.2.2): the certification signature is the one the
 * catalog's /Perms /DocMDP names, and its /Reference with /TransformMethod /DocMDP carries /P (default 2).
 * `own` (the analysed signature, in field `ownName`) is read instead when /Perms is missing.
 */
export async function readDocMdp(
  r: PdfReader,
  own: PdfDict,
  ownName: string,
): Promise<DocMdpPolicy | undefined> {
  const perms = await r.resolveDict((await r.catalog()).get('Perms'));
  const certRef = perms?.get('DocMDP');
  const cert = (await r.resolveDict(certRef)) ?? own;
  const [ref] = await references(r, cert, 'DocMDP');
  if (!ref) return undefined;
  const params = await r.resolveDict(ref.get('TransformParams'));
  const policy: DocMdpPolicy = { permissions: permissionsOf(params?.get('P')) ?? 2 };
  if (!(certRef instanceof PdfRef)) return { ...policy, certifiedBy: ownName };
  for (const f of await r.fields()) {
    const v = f.dict.get('V');
    if (f.ft === 'Sig' && v instanceof PdfRef && v.num === certRef.num) policy.certifiedBy = f.name;
  }
  return policy;
}

async function fieldNames(r: PdfReader, v: PdfValue | undefined): Promise<string[]> {
  const arr = await r.resolve(v);
  const out: string[] = [];
  for (const x of Array.isArray(arr) ? arr : []) {
    const s = await r.resolve(x);
    if (s instanceof PdfString) out.push(decodeTextString(s.bytes));
  }
  return out;
}

function actionOf(v: PdfValue | undefined): FieldMdpPolicy['action'] | undefined {
  const a = nameOf(v);
  return a === 'All' || a === 'Include' || a === 'Exclude' ? a : undefined;
}

/**
 * FieldMDP of the analysed signature: its /Reference with /TransformMethod /FieldMDP (12.8.2.4, signed with it),
 * else the signature field's /Lock dictionary (12.7.4.5 Table 233); PDF 2.0 adds /P to /Lock.
 */
export async function readFieldMdp(
  r: PdfReader,
  sig: PdfDict,
  field: PdfDict | undefined,
): Promise<FieldMdpPolicy | undefined> {
  const [ref] = await references(r, sig, 'FieldMDP');
  const params = ref ? await r.resolveDict(ref.get('TransformParams')) : undefined;
  const lock = await r.resolveDict(field?.get('Lock'));
  const source = params ?? lock;
  const action = actionOf(source?.get('Action'));
  const permissions = permissionsOf(lock?.get('P'));
  if (!action && !permissions) return undefined;
  return {
    action: action ?? 'Include',
    fields: action ? await fieldNames(r, source!.get('Fields')) : [],
    ...(permissions ? { permissions } : {}),
  };
}

/** Whether FieldMDP locks the field named `name` (ISO 32000-1 Table 256: /All, /Include, /Exclude of /Fields). */
export function isLocked(policy: FieldMdpPolicy | undefined, name: string | undefined): boolean {
  if (!policy || name === undefined) return false;
  if (policy.action === 'All') return true;
  const listed = policy.fields.includes(name);
  return policy.action === 'Include' ? listed : !listed;
}
