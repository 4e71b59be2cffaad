import { monthOf, vnDay } from './period';
import {
  dayDocId,
  monthDocId,
  effectsOf,
  groupIncrements,
  lookupsFor,
  type KpiEvent,
  type OpenItem,
  type OpenOp,
} from './event-effects';

/** One pre-aggregated counter document: the counters of one agency on one Vietnamese day. */
export interface DayCounters {
  agency: string;
  day: string;
  c: Record<string, number>;
  /** Ids of the events already counted in this document (the idempotency tokens). */
  applied: string[];
}

/** The monthly rollup of the day counters of one agency (same counters, summed over the month). */
export interface MonthCounters {
  agency: string;
  month: string;
  c: Record<string, number>;
  applied: string[];
}

/**
 * The KPI state held in memory, with exactly the semantics of the MongoDB store: used by the rebuild, and by unit
 * tests as the reference the store must match.
 */
export class MemoryKpiState {
  readonly days = new Map<string, DayCounters>();
  readonly months = new Map<string, MonthCounters>();
  readonly open = new Map<string, OpenItem>();
  /** Ids of the counted events dated from `keepTokensFrom` on → month of the event (the token partitions). */
  readonly tokens = new Map<string, string>();
  private readonly keepTokensFrom: string;
  /** The tokens of each counter document as a set, for membership tests in constant time. */
  private readonly tokenSets = new WeakMap<{ applied: string[] }, Set<string>>();

  /** Tokens of counter documents dated before `keepTokensFrom` (a day) are not kept; default: keep all. */
  constructor(options: { keepTokensFrom?: string } = {}) {
    this.keepTokensFrom = options.keepTokensFrom ?? '';
  }

  apply(event: KpiEvent): void {
    const found = new Map<string, OpenItem>();
    for (const id of lookupsFor(event)) {
      const item = this.open.get(id);
      if (item) found.set(id, item);
    }
    const { increments, ops } = effectsOf(event, found);
    const eventDay = vnDay(event.time);
    if (increments.length > 0 && eventDay >= this.keepTokensFrom)
      this.tokens.set(event.id, monthOf(eventDay));
    for (const g of groupIncrements(increments).values()) {
      const keep = g.day >= this.keepTokensFrom;
      const day = this.days.get(dayDocId(g.agency, g.day)) ?? {
        agency: g.agency,
        day: g.day,
        c: {},
        applied: [],
      };
      this.days.set(dayDocId(g.agency, g.day), day);
      this.add(day, g.dims, event.id, keep);
      const month = monthOf(g.day);
      const m = this.months.get(monthDocId(g.agency, month)) ?? {
        agency: g.agency,
        month,
        c: {},
        applied: [],
      };
      this.months.set(monthDocId(g.agency, month), m);
      this.add(m, g.dims, event.id, keep);
    }
    for (const op of ops) applyOpenOp(this.open, op);
  }

  /**
   * Adds `dims` once per token, like the guarded update of the store. The set mirrors `applied` (a month of a busy
   * agency holds tens of thousands of tokens; `includes` made the rebuild quadratic in them).
   */
  private add(
    doc: { c: Record<string, number>; applied: string[] },
    dims: Record<string, number>,
    token: string,
    keep: boolean,
  ): void {
    let tokens = this.tokenSets.get(doc);
    if (!tokens || tokens.size !== doc.applied.length) {
      tokens = new Set(doc.applied);
      this.tokenSets.set(doc, tokens);
    }
    if (tokens.has(token)) return;
    for (const [dim, n] of Object.entries(dims)) doc.c[dim] = (doc.c[dim] ?? 0) + n;
    if (keep) {
      doc.applied.push(token);
      tokens.add(token);
    }
  }
}

/** Applies one open-item operation to a map (the reference semantics of the MongoDB updates). */
export function applyOpenOp(open: Map<string, OpenItem>, op: OpenOp): void {
  switch (op.op) {
    case 'open':
      if (!open.has(op.item.id))
        open.set(op.item.id, { ...op.item, pending: op.item.pending && [...op.item.pending] });
      return;
    case 'close':
      open.delete(op.id);
      return;
    case 'addPending': {
      const item = open.get(op.id);
      if (item && !(item.pending ??= []).includes(op.recipient)) item.pending.push(op.recipient);
      return;
    }
    case 'settle': {
      const item = open.get(op.id);
      if (!item) return;
      item.pending = (item.pending ?? []).filter((r) => r !== op.recipient);
      if (item.pending.length === 0) open.delete(op.id);
      return;
    }
  }
}
