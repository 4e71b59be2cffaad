import {
  dayDocId,
  effectsOf,
  lookupsFor,
  type EventEffects,
  type KpiEvent,
  type OpenItem,
  type OpenOp,
} from './event-effects';

/** Increments of one counter document (`agency|day`). */
export interface CounterGroup {
  agency: string;
  day: string;
  dims: Record<string, number>;
}

/** Events of one document counted together, and their increments grouped by counter document. */
export interface Counting {
  events: readonly KpiEvent[];
  groups: readonly CounterGroup[];
}

/**
 * Countings written in one commit: one increment per counter document with the dims summed, carrying the tokens of
 * every counting that changes it (each counting's tokens go to every document it changes, as when counted alone, so
 * that a retry of any of its events finds its token there).
 */
export function mergeCountings(countings: readonly Counting[]): (CounterGroup & { tokens: string[] })[] {
  const out = new Map<string, CounterGroup & { tokens: string[] }>();
  for (const counting of countings) {
    const tokens = counting.events.map((e) => e.id);
    for (const g of counting.groups) {
      const key = dayDocId(g.agency, g.day);
      let merged = out.get(key);
      if (!merged) out.set(key, (merged = { agency: g.agency, day: g.day, dims: {}, tokens: [] }));
      for (const [dim, n] of Object.entries(g.dims)) merged.dims[dim] = (merged.dims[dim] ?? 0) + n;
      for (const t of tokens) if (!merged.tokens.includes(t)) merged.tokens.push(t);
    }
  }
  return [...out.values()];
}

/** The id of the open item an operation changes. */
export const opItemId = (op: OpenOp | StoreOp): string => (op.op === 'open' ? op.item.id : op.id);

/** An open-item operation as the KPI store writes it: recipients added to or settled on one item together. */
export type StoreOp =
  | Extract<OpenOp, { op: 'open' | 'close' }>
  | { op: 'addPending' | 'settle'; id: string; recipients: string[] };

/**
 * The operations as the store writes them, in order: each run of `addPending` (or of `settle`) on one item merged into
 * one (a dispatch to ten recipients adds ten pending recipients to the document's track: one read and one write
 * instead of ten of each), and a `close` of an item already closed earlier in the operations, with no `open` of it
 * since, dropped (each of the ten dispatch events closes the document's `unsent` item; the nine after the first cost
 * two reads each to find nothing). Merging only neighbours keeps the order of everything else, so the items end as
 * the operations one by one would leave them.
 */
export function storeOps(ops: readonly OpenOp[]): StoreOp[] {
  const out: StoreOp[] = [];
  const closed = new Set<string>();
  for (const op of ops) {
    if (op.op === 'open' || op.op === 'close') {
      if (op.op === 'open') closed.delete(op.item.id);
      else if (closed.has(op.id)) continue;
      else closed.add(op.id);
      out.push(op);
      continue;
    }
    const last = out[out.length - 1];
    if (last && last.op === op.op && last.id === op.id) {
      if (!last.recipients.includes(op.recipient)) last.recipients.push(op.recipient);
    } else out.push({ op: op.op, id: op.id, recipients: [op.recipient] });
  }
  return out;
}

/** An open item after one operation, as the KPI store applies it (`null`: not open). */
export function afterOp(item: OpenItem | null, op: OpenOp): OpenItem | null {
  switch (op.op) {
    case 'open':
      // Opened only if absent: an item already open keeps what it holds.
      return item ?? op.item;
    case 'close':
      return null;
    case 'addPending':
      return item && { ...item, pending: [...new Set([...(item.pending ?? []), op.recipient])] };
    case 'settle': {
      if (!item) return null;
      const pending = (item.pending ?? []).filter((r) => r !== op.recipient);
      return pending.length > 0 ? { ...item, pending } : null;
    }
  }
}

/**
 * The effects of events counted one after another, computed at once: each event's lookups see the open items as
 * the earlier events' operations leave them, so the increments are those of applying the events in order.
 * `stored` reads an item as it was before the batch; an item is read only when an event looks it up.
 */
export async function batchEffects(
  events: readonly KpiEvent[],
  stored: (id: string) => Promise<OpenItem | null>,
): Promise<EventEffects> {
  const items = new Map<string, OpenItem | null>();
  // Operations on items no event has looked up yet: replayed on the stored item if a later event looks it up.
  const waiting = new Map<string, OpenOp[]>();
  const itemOf = async (id: string): Promise<OpenItem | null> => {
    if (!items.has(id)) {
      let item = await stored(id);
      for (const op of waiting.get(id) ?? []) item = afterOp(item, op);
      waiting.delete(id);
      items.set(id, item);
    }
    return items.get(id)!;
  };
  const out: EventEffects = { increments: [], ops: [] };
  for (const event of events) {
    const found = new Map<string, OpenItem>();
    for (const id of lookupsFor(event)) {
      const item = await itemOf(id);
      if (item) found.set(id, item);
    }
    const { increments, ops } = effectsOf(event, found);
    out.increments.push(...increments);
    out.ops.push(...ops);
    for (const op of ops) {
      const id = opItemId(op);
      if (items.has(id)) items.set(id, afterOp(items.get(id)!, op));
      else waiting.set(id, [...(waiting.get(id) ?? []), op]);
    }
  }
  return out;
}
