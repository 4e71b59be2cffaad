import { PdfRef, type PdfValue, deepEqual, isDict, nameOf } from '../../core/objects';
import { type Finding, type StepContext, differingKeys, finding } from './context';

const asList = (v: PdfValue | undefined): PdfValue[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Entries of `before` that `after` drops, when `after` is `before` with entries removed (order kept). */
function dropped(before: PdfValue[], after: PdfValue[]): PdfValue[] | undefined {
  const out: PdfValue[] = [];
  let j = 0;
  for (const x of before) {
    if (j < after.length && deepEqual(x, after[j])) j++;
    else out.push(x);
  }
  return j === after.length ? out : undefined;
}

async function annotsOf(r: StepContext['old'], page: PdfValue | undefined): Promise<number[]> {
  const list = await r.resolve((await r.resolveDict(page))?.get('Annots'));
  return (Array.isArray(list) ? list : []).flatMap((x) => (x instanceof PdfRef ? [x.num] : []));
}

/**
 * The annotation an object reference (ISO 32000-1 14.7.4.3, OBJR) of structure element `elem` names, when that
 * annotation is not a widget and this revision takes it off its page's /Annots; undefined otherwise.
 */
async function removedAnnotation(
  ctx: StepContext,
  elem: PdfValue,
  entry: PdfValue,
): Promise<number | undefined> {
  const objr = await ctx.old.resolveDict(entry);
  const obj = objr?.get('Obj');
  if (!objr || nameOf(objr.get('Type')) !== 'OBJR' || !(obj instanceof PdfRef)) return undefined;
  const annot = await ctx.old.resolveDict(obj);
  if (!annot || nameOf(annot.get('Subtype')) === 'Widget') return undefined;
  const page = objr.get('Pg') ?? (isDict(elem) ? elem.get('Pg') : undefined);
  const before = await annotsOf(ctx.old, page);
  const after = await annotsOf(ctx.cur, page);
  return before.includes(obj.num) && !after.includes(obj.num) ? obj.num : undefined;
}

/**
 * A structure element whose only change is that its /K drops object references to annotations this same revision
 * removes from their pages (iText's DocumentRevisionsValidator accepts the structure-tree clean-up that follows an
 * allowed annotation removal). Anything else dropped or changed (a marked-content id, a child element, an OBJR of an
 * annotation still on its page, a widget's) leaves the node to the structure-tree rules. The removal itself is judged
 * on the page's /Annots: this rule shares its ANNOTATIONS level, so DocMDP P=1/P=2 refuse it too.
 */
export async function classifyStructAnnotationsRemoved(
  ctx: StepContext,
  num: number,
  a: PdfValue,
  b: PdfValue,
): Promise<Finding | undefined> {
  if (!isDict(a) || !isDict(b)) return undefined;
  const keys = differingKeys(a, b);
  if (keys.length !== 1 || keys[0] !== 'K' || nameOf(a.get('Type')) !== 'StructElem') return undefined;
  const gone = dropped(asList(a.get('K')), asList(b.get('K')));
  if (!gone?.length) return undefined;
  const annots: number[] = [];
  for (const entry of gone) {
    const annot = await removedAnnotation(ctx, a, entry);
    if (annot === undefined) return undefined;
    annots.push(annot);
  }
  return finding(
    num,
    'STRUCT_TREE_ANNOTATION_REMOVED',
    `structure element ${num}: /K drops the reference(s) to annotation(s) ${annots.join(', ')} removed from their page`,
    { deps: [b] },
  );
}

/** Entries of an object reference that mean something (ISO 32000-1 14.7.4.3, Table 325). */
const OBJR_KEYS = ['Type', 'Pg', 'Obj'];

/**
 * Whether `after` is the OBJR `before` with only keys outside Table 325 changed, for a non-widget annotation that this
 * revision also changes: no reader gives such a key a meaning.
 */
async function objrMarkedOnly(ctx: StepContext, before: PdfValue, after: PdfValue): Promise<boolean> {
  if (!isDict(before) || !isDict(after) || nameOf(before.get('Type')) !== 'OBJR') return false;
  if (OBJR_KEYS.some((k) => !deepEqual(before.get(k), after.get(k)))) return false;
  const obj = before.get('Obj');
  if (!(obj instanceof PdfRef) || !ctx.diff.overridden.has(obj.num)) return false;
  const annot = await ctx.old.resolveDict(obj);
  return !!annot && annot.has('Rect') && nameOf(annot.get('Subtype')) !== 'Widget';
}

/**
 * A structure element whose only change is that direct object references in its /K gain or change keys no standard
 * defines, next to a change of the annotation they name (iText's DocumentRevisionsValidator accepts the structure
 * content update that follows an allowed annotation modification). What the references point to (/Obj, /Pg) and
 * every other entry stay as signed. ANNOTATIONS level, like the annotation change itself.
 */
export async function classifyStructObjrMarked(
  ctx: StepContext,
  num: number,
  a: PdfValue,
  b: PdfValue,
): Promise<Finding | undefined> {
  if (!isDict(a) || !isDict(b) || nameOf(a.get('Type')) !== 'StructElem') return undefined;
  const keys = differingKeys(a, b);
  if (keys.length !== 1 || keys[0] !== 'K') return undefined;
  const before = asList(a.get('K'));
  const after = asList(b.get('K'));
  if (before.length !== after.length) return undefined;
  for (let i = 0; i < before.length; i++)
    if (!deepEqual(before[i], after[i]) && !(await objrMarkedOnly(ctx, before[i]!, after[i]!)))
      return undefined;
  return finding(
    num,
    'STRUCT_TREE_OBJR_MARKED',
    `structure element ${num}: object references of changed annotations gain keys outside ISO 32000-1 Table 325`,
    { deps: [b] },
  );
}
