import type { Indication, SubIndication, SubIndicationOf } from './report';

const RANK: Record<Indication, number> = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 };

/** One reason that lowers a verdict. */
export interface Finding<I extends Indication = Indication> {
  indication: I;
  subIndication: SubIndicationOf<I>;
  message: string;
}

/**
 * Accumulates findings into an ETSI EN 319 102-1 5.1.3 indication: the worst indication wins (TOTAL_FAILED over
 * INDETERMINATE over TOTAL_PASSED) and the first finding at that level names the sub-indication. Messages keep every
 * finding, the deciding one first, the others in order.
 */
export class Verdict {
  indication: Indication = 'TOTAL_PASSED';
  subIndication?: SubIndication;
  readonly messages: string[] = [];

  fail<I extends Indication>(indication: I, subIndication: SubIndicationOf<I>, message: string): void {
    if (RANK[indication] > RANK[this.indication]) {
      this.indication = indication;
      this.subIndication = subIndication;
      // The reason that decided the indication comes first: callers quote `messages[0]` (the 02 reply's reason).
      this.messages.unshift(message);
    } else this.messages.push(message);
  }

  add(f: Finding): void {
    this.fail(f.indication, f.subIndication, f.message);
  }

  /** Adds a note that does not change the indication (e.g. a failed timestamp that proves nothing either way). */
  note(message: string): void {
    this.messages.push(message);
  }

  get passed(): boolean {
    return this.indication === 'TOTAL_PASSED';
  }
}

/** Worst of several indications (an empty list is INDETERMINATE: nothing was proven). */
export function worstIndication(list: readonly Indication[]): Indication {
  if (list.length === 0) return 'INDETERMINATE';
  return list.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'TOTAL_PASSED' as Indication);
}
