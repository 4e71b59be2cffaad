import type { PdfReader } from '../../core/document';
import { PdfDict, PdfRef, PdfStream, type PdfValue } from '../../core/objects';

/** Object number standing for the trailer among referrers. */
export const TRAILER = 0;

/** One usage of an object: the object holding the reference (or `TRAILER`) and the key path inside it. */
export interface Usage {
  holder: number;
  /** Keys and array indexes from the holder to the reference, as `/AP/N` or `/Annots/2`. */
  path: string;
}

export type Referrers = Map<number, Usage[]>;

/**
 * For each object number of a revision, its usages (ISO 32000-1 7.3.10): the reverse cross-reference pyHanko keeps
 * to decide whether an object a rule allows to change in one place is also used elsewhere
 * (`HistoricalResolver._get_usages_of_ref`). Every object in use is read, stream data excepted, so build it only
 * when a rule needs it. An object that cannot be read is skipped (the analysis reads it elsewhere).
 */
export async function referrersOf(r: PdfReader): Promise<Referrers> {
  const out: Referrers = new Map();
  const note = (holder: number, v: PdfValue | undefined) => {
    const stack: [PdfValue | undefined, string][] = [[v, '']];
    while (stack.length) {
      const [x, path] = stack.pop()!;
      if (x instanceof PdfRef) {
        if (x.num === holder) continue;
        let list = out.get(x.num);
        if (!list) out.set(x.num, (list = []));
        list.push({ holder, path });
      } else if (Array.isArray(x)) x.forEach((y, i) => stack.push([y, `${path}/${i}`]));
      else if (x instanceof PdfDict || x instanceof PdfStream)
        for (const [k, y] of (x instanceof PdfStream ? x.dict : x).map) stack.push([y, `${path}/${k}`]);
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
 * Whether every chain of usages that reaches `num` in the revision ends at an accepted usage (pyHanko clears an
 * override only when all its usages are accounted for). `judge` says of each usage whether it ends the chain
 * (`anchor`: the place the rule allows the change through), continues through an object that is itself part of
 * that place (`own`: followed upwards, as an indirect /AP dictionary is reached through its field), or makes the
 * object shared (`foreign`: the trailer or any other object).
 */
export function usedOnlyThrough(
  referrers: Referrers,
  num: number,
  judge: (u: Usage) => 'anchor' | 'own' | 'foreign',
): boolean {
  const seen = new Set<number>([num]);
  const queue = [num];
  while (queue.length) {
    for (const u of referrers.get(queue.pop()!) ?? []) {
      const verdict = judge(u);
      if (verdict === 'foreign') return false;
      if (verdict === 'own' && !seen.has(u.holder)) {
        seen.add(u.holder);
        queue.push(u.holder);
      }
    }
  }
  return true;
}
