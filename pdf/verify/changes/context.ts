import type { PdfReader } from '../../core/document';
import { type PdfDict, type PdfValue, deepEqual, nameOf } from '../../core/objects';
import type { RevisionDiff } from './diff';
import type { Referrers } from './referrers';
import type { Roles } from './roles';
import type { ChangeRuleId } from './rules';

/** One pair of consecutive revisions under analysis. */
export interface StepContext {
  old: PdfReader;
  cur: PdfReader;
  roles: Roles;
  diff: RevisionDiff;
  /**
   * Modification permission granted by a certification (DocMDP /P) or a PDF 2.0 lock (/Lock /P), the stricter of
   * the two; undefined for a document with approval signatures only.
   */
  permissions?: 1 | 2 | 3;
  /** Objects (0: the trailer) referring to each object of `old`; built on first use (it reads every object). */
  referrers: () => Promise<Referrers>;
}

/** A rule's decision on one changed object, before DocMDP/FieldMDP are applied. */
export interface Finding {
  object: number;
  rule: ChangeRuleId;
  detail: string;
  field?: string;
  /** New values whose new objects this change brings in. */
  deps?: PdfValue[];
}

export function finding(
  object: number,
  rule: ChangeRuleId,
  detail: string,
  extra: Pick<Finding, 'field' | 'deps'> = {},
): Finding {
  return { object, rule, detail, ...extra };
}

/** Keys whose values differ between two dictionaries. */
export function differingKeys(a: PdfDict, b: PdfDict): string[] {
  return [...new Set([...a.map.keys(), ...b.map.keys()])].filter((k) => !deepEqual(a.get(k), b.get(k)));
}

/** Whether a widget or annotation occupies page area (pyHanko `is_annot_visible`): a non-empty /Rect. */
export function isVisible(annot: PdfDict | undefined): boolean {
  const r = annot?.get('Rect');
  if (!Array.isArray(r) || r.length !== 4 || !r.every((x) => typeof x === 'number')) return false;
  const [x1, y1, x2, y2] = r as number[];
  return Math.abs(x2! - x1!) * Math.abs(y2! - y1!) > 0;
}

/**
 * Whether a signature field holds an invisible document time-stamp (ISO 32000-2 12.8.5): pyHanko clears those at
 * LTA_UPDATES level and requires them to have no appearance, as ISO 32000-2 recommends.
 */
export async function isInvisibleTimestamp(
  ctx: StepContext,
  field: PdfDict,
  widget: PdfDict,
): Promise<boolean> {
  const sig = await ctx.cur.resolveDict(field.get('V'));
  const ts = nameOf(sig?.get('Type')) === 'DocTimeStamp' || nameOf(sig?.get('SubFilter')) === 'ETSI.RFC3161';
  return ts && !isVisible(widget) && !isVisible(field);
}
