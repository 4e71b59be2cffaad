import { decodeTextString } from '../../core/document';
import { type PdfDict, PdfRef, PdfString, type PdfValue, deepEqual, nameOf } from '../../core/objects';
import { annotationIsClear } from './annotation-overlap';
import { type Finding, type StepContext, finding, isInvisibleTimestamp, isVisible } from './context';

function partialName(d: PdfDict | undefined): string | undefined {
  const t = d?.get('T');
  return t instanceof PdfString ? decodeTextString(t.bytes) : undefined;
}

/**
 * The field a widget belongs to: its /Parent, or, for a widget without one, the field of the current revision that
 * lists it in /Kids (pyHanko pairs a new signature field with the widgets in its /Kids, whatever their /Parent).
 */
async function fieldHolding(
  ctx: StepContext,
  item: PdfRef,
  widget: PdfDict | undefined,
): Promise<{ ref?: PdfRef; dict?: PdfDict; ft?: string; name?: string } | undefined> {
  const parentRef = widget?.get('Parent');
  if (parentRef !== undefined)
    return {
      ...(parentRef instanceof PdfRef ? { ref: parentRef } : {}),
      dict: await ctx.cur.resolveDict(parentRef),
    };
  if (nameOf(widget?.get('Subtype')) !== 'Widget') return undefined;
  for (const f of await ctx.cur.fields()) {
    const kids = await ctx.cur.resolve(f.dict.get('Kids'));
    if (Array.isArray(kids) && kids.some((k) => k instanceof PdfRef && k.num === item.num))
      return { ...(f.ref ? { ref: f.ref } : {}), dict: f.dict, ft: f.ft, name: f.name };
  }
  return undefined;
}

/**
 * Decides on one entry added to /Fields or to a page's /Annots (of page object `page`) by a later revision: a new
 * signature field or its widget (12.7.4.5), a document time-stamp, a new non-signature field, or an annotation (12.5).
 */
async function classifyAddedItem(
  ctx: StepContext,
  holder: number,
  item: PdfValue,
  where: string,
  page?: number,
): Promise<Finding> {
  const isNew = item instanceof PdfRef && ctx.diff.added.has(item.num);
  const d = await ctx.cur.resolveDict(item);
  const subtype = nameOf(d?.get('Subtype'));
  if (!isNew) {
    const rule = subtype === 'Widget' || d?.has('FT') ? 'FIELD_CHANGED' : 'OBJECT_OVERRIDDEN';
    return finding(holder, rule, `${where}: existing object ${String(item)} added again`);
  }
  const ownField = d?.has('FT') || d?.has('T');
  const owner = ownField ? undefined : await fieldHolding(ctx, item as PdfRef, d);
  const parentRef = owner?.ref;
  const parent = owner?.dict;
  const field = ownField ? d : parent;
  const ft = nameOf(d?.get('FT')) ?? owner?.ft ?? nameOf(parent?.get('FT'));
  const fieldIsNew = ownField || (parentRef instanceof PdfRef && ctx.diff.added.has(parentRef.num));
  const name = owner?.name ?? partialName(field);
  if (d && field && fieldIsNew && ft === 'Sig') {
    const rule = (await isInvisibleTimestamp(ctx, field, d))
      ? 'DOC_TIMESTAMP_ADDED'
      : 'SIGNATURE_FIELD_ADDED';
    return finding(holder, rule, `${where}: signature field ${name ?? String(item)} added`, {
      field: name,
      deps: [item],
    });
  }
  if (field && (ft !== undefined || subtype === 'Widget'))
    return finding(
      holder,
      fieldIsNew ? 'FIELD_ADDED' : 'FIELD_CHANGED',
      `${where}: field ${name ?? ''} added`,
      {
        field: name,
        deps: [item],
      },
    );
  const what = `${where}: ${subtype ?? 'untyped'} annotation ${String(item)} added`;
  if (ctx.permissions !== undefined) return finding(holder, 'ANNOTATION_ADDED', what, { deps: [item] });
  // A widget no field holds is a dangling form part, never a mere annotation (iText refuses it too).
  if (page !== undefined && subtype !== 'Widget' && (await annotationIsClear(ctx, page, d)))
    return finding(holder, 'ANNOTATION_ADDED_CLEAR', `${what}, clear of what the page showed`, {
      deps: [item],
    });
  const shows = isVisible(d) && d?.get('AP') !== undefined;
  return finding(holder, shows ? 'SHADOW_HIDE_OVERLAY' : 'ANNOTATION_NOT_PERMITTED', what, { deps: [item] });
}

/**
 * Compares an array of /Fields or /Annots entries across revisions: removed entries are refused, added entries
 * are classified one by one. `page` is the page object whose /Annots these are.
 */
export async function classifyList(
  ctx: StepContext,
  holder: number,
  oldValue: PdfValue | undefined,
  newValue: PdfValue | undefined,
  where: string,
  page?: number,
): Promise<Finding[]> {
  const oldArr = await ctx.old.resolve(oldValue);
  const newArr = await ctx.cur.resolve(newValue);
  const o = Array.isArray(oldArr) ? oldArr : [];
  const n = Array.isArray(newArr) ? newArr : [];
  const out: Finding[] = [];
  for (const x of o) {
    if (n.some((y) => deepEqual(x, y))) continue;
    const d = await ctx.old.resolveDict(x);
    const isField =
      d !== undefined && (d.has('FT') || nameOf(d.get('Subtype')) === 'Widget' || d.has('Parent'));
    const rule = isField
      ? 'FIELD_REMOVED'
      : ctx.permissions !== undefined
        ? 'ANNOTATION_ADDED'
        : 'ANNOTATION_NOT_PERMITTED';
    out.push(finding(holder, rule, `${where}: entry ${String(x)} removed`));
  }
  for (const y of n)
    if (!o.some((x) => deepEqual(x, y))) out.push(await classifyAddedItem(ctx, holder, y, where, page));
  if (out.length === 0 && !deepEqual(oldArr, newArr))
    out.push(finding(holder, 'OBJECT_OVERRIDDEN', `${where}: entries reordered`));
  return out;
}
