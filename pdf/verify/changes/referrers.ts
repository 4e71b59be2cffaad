import type { PdfReader } from '../../core/document';
import { PdfDict, PdfRef, PdfStream, type PdfValue } from '../../core/objects';

/** Object number standing for the trailer among referrers. */
export const TRAILER = 0;

/**
 * For each object number of a revision, the objects (and `TRAILER`) that refer to it (ISO 32000-1 7.3.10): the
 * reverse cross-reference pyHanko keeps to decide whether an object a rule allows to change in one place is also
 * used elsewhere (`HistoricalResolver._get_usages_of_ref`). Every object in use is read, stream data excepted, so
 * build it only when a rule needs it. An object that cannot be read is skipped (the analysis reads it elsewhere).
 */
export async function referrersOf(r: PdfReader): Promise<Map<number, Set<number>>> {
  const out = new Map<number, Set<number>>();
  const note = (holder: number, v: PdfValue | undefined) => {
    const stack: (PdfValue | undefined)[] = [v];
    while (stack.length) {
      const x = stack.pop();
      if (x instanceof PdfRef) {
        if (x.num === holder) continue;
        let set = out.get(x.num);
        if (!set) out.set(x.num, (set = new Set()));
        set.add(holder);
      } else if (Array.isArray(x)) stack.push(...x);
      else if (x instanceof PdfDict) stack.push(...x.map.values());
      else if (x instanceof PdfStream) stack.push(...x.dict.map.values());
    }
  };
  note(TRAILER, r.trailer);
  for (const [num, e] of r.entries) {
    if (e.type === 'free') continue;
    note(num, await r.getObject(num).catch(() => null));
  }
  return out;
}

/**
 * Whether every chain of references that reaches `num` in the revision passes only through `own` objects before
 * reaching an `anchor` (pyHanko clears an override only when all its usages are accounted for). `own` objects are
 * followed upwards (an indirect /AP dictionary is reached through its field); an `anchor` ends the chain. The
 * trailer or any other object on the way makes the object shared.
 */
export function usedOnlyThrough(
  referrers: Map<number, Set<number>>,
  num: number,
  anchors: Set<number>,
  own: Set<number>,
): boolean {
  const seen = new Set<number>([num]);
  const queue = [num];
  while (queue.length) {
    for (const holder of referrers.get(queue.pop()!) ?? []) {
      if (anchors.has(holder) || seen.has(holder)) continue;
      if (!own.has(holder)) return false;
      seen.add(holder);
      queue.push(holder);
    }
  }
  return true;
}
