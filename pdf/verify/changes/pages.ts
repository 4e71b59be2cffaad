import { type PdfValue, isDict, nameOf } from '../../core/objects';
import { type Finding, type StepContext, differingKeys, finding } from './context';
import { classifyList } from './items';
import { classifyPageResources } from './resources';

const CONTENT_KEYS = new Set(['Contents', 'Resources']);

/** A page object of the signed revision redefined: only /Annots may change (ISO 32000-1 7.7.3.3, 12.5.2). */
export async function classifyPage(
  ctx: StepContext,
  num: number,
  a: PdfValue,
  b: PdfValue,
): Promise<Finding[]> {
  const page = ctx.roles.pages.get(num);
  if (!isDict(a) || !isDict(b))
    return [finding(num, 'PAGE_CHANGED', `page ${page} replaced by a non-dictionary`)];
  const out: Finding[] = [];
  for (const key of differingKeys(a, b)) {
    if (key === 'Annots')
      out.push(
        ...(await classifyList(ctx, num, a.get('Annots'), b.get('Annots'), `page ${page} /Annots`, num)),
      );
    else if (key === 'Tabs') out.push(classifyTabOrder(num, page, a.get('Tabs'), b.get('Tabs')));
    else if (key === 'StructParents')
      out.push(
        finding(num, 'STRUCT_TREE_UPDATE', `page ${page}: /StructParents (its /ParentTree key) set`, {
          deps: [b.get('StructParents') ?? null],
        }),
      );
    else if (key === 'Resources')
      out.push(await classifyPageResources(ctx, num, page, a.get(key), b.get(key)));
    else if (CONTENT_KEYS.has(key))
      out.push(finding(num, 'PAGE_CONTENT_CHANGED', `page ${page}: /${key} changed`));
    else out.push(finding(num, 'PAGE_CHANGED', `page ${page}: /${key} changed`));
  }
  return out;
}

/**
 * A page's annotation tab order /Tabs (ISO 32000-1 12.5, Table 30) changed: it orders keyboard navigation and shows
 * nothing. iText's DocumentRevisionsValidator (`compareTabs`) allows any change where annotations may be modified,
 * and otherwise only /S (structure order) set where no order was given, as writers do when they add a widget to a
 * tagged page (PDF/UA).
 */
function classifyTabOrder(
  num: number,
  page: number | undefined,
  a: PdfValue | undefined,
  b: PdfValue | undefined,
) {
  const toStructure = a === undefined && nameOf(b) === 'S';
  return finding(
    num,
    toStructure ? 'TAB_ORDER_STRUCTURE' : 'TAB_ORDER_CHANGED',
    `page ${page}: /Tabs ${nameOf(a) ?? 'unset'} -> ${nameOf(b) ?? 'unset'}`,
  );
}

/** Pages in order, as references: a difference means pages were added, removed or reordered (7.7.3). */
export async function comparePageLists(ctx: StepContext): Promise<Finding | undefined> {
  const a = (await ctx.old.pageRefs()).map((r) => r.num);
  const b = (await ctx.cur.pageRefs()).map((r) => r.num);
  if (a.length === b.length && a.every((n, i) => n === b[i])) return undefined;
  return finding(0, 'PAGES_ADDED_OR_REMOVED', `page list changed from ${a.length} to ${b.length} page(s)`);
}

/** An annotation (not a widget) of the signed revision redefined: only a P=3 certification allows it. */
export function classifyAnnotation(ctx: StepContext, num: number, b: PdfValue): Finding {
  const subtype = isDict(b) ? nameOf(b.get('Subtype')) : undefined;
  const rule = ctx.permissions !== undefined ? 'ANNOTATION_ADDED' : 'ANNOTATION_NOT_PERMITTED';
  return finding(num, rule, `${subtype ?? 'untyped'} annotation ${num} changed`, { deps: [b] });
}
