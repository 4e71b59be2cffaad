import { randomUUID } from 'node:crypto';
import type { Collection, OptionalUnlessRequiredId } from 'mongodb';
import { Collections } from '../schemas/constants';
import { KpiCollections } from '../schemas/kpi';
import { diffSnapshots, type KpiSnapshot } from '../kpi/compare';
import type { KpiEvent } from '../kpi/event-effects';
import { MemoryKpiState } from '../kpi/memory-state';
import { addDays, vnDay } from '../kpi/period';
import {
  isTrack,
  RECENT_TOKENS,
  type DayDoc,
  type KpiCollectionsOf,
  type MonthDoc,
  type OpenDoc,
} from './kpi-documents';

export interface RebuildResult {
  events: number;
  /** Missing sequence numbers met in the agencies' chains (0 for an intact trail; `audit verify` tells more). */
  chainGaps: number;
  dayDocuments: number;
  openItems: number;
  elapsedMs: number;
  /** Differences between the stored counters and the rebuild (before writing, if `write`). */
  differences: string[];
  written: boolean;
}

export interface RebuildOptions {
  write?: boolean;
  now?: Date;
  tokenRetentionDays?: number;
  batchSize?: number;
  /** Called every `progressEvery` (default 100,000) events read and once per phase (long rebuilds). */
  onProgress?: (p: { phase: 'read' | 'compare' | 'write'; events: number }) => void;
  progressEvery?: number;
}

type ChainedEvent = KpiEvent & { seq: number };

/**
 * Recomputes every counter and open item from the audit trail (events of each agency in chain order, through the
 * same `effectsOf` as the incremental path) and compares the result with what is stored (`stored`). With `write`
 * (the default) the stored state is then replaced, in the current layout whatever layout it was in (this is also
 * the migration), and every reader's cache is dropped. Run it when no activity is appending (a maintenance window),
 * since events counted incrementally while it runs would be lost.
 *
 * Idempotency tokens are kept only for events from `tokenRetentionDays` (default 30) before `now`: an activity
 * retried after a rebuild concerns a recent event.
 */
export async function rebuildFromAudit(
  c: KpiCollectionsOf,
  stored: () => Promise<KpiSnapshot>,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const state = new MemoryKpiState({
    keepTokensFrom: addDays(vnDay(now), -(options.tokenRetentionDays ?? 30)),
  });
  let events = 0;
  const chains = new ChainOrder<ChainedEvent>((e) => {
    state.apply(e);
    events++;
  });
  const read = await readTrail(c, chains, options);
  const gaps = chains.flush();
  options.onProgress?.({ phase: 'compare', events: read });
  const rebuilt: KpiSnapshot = {
    days: new Map([...state.days].map(([k, d]) => [k, d.c])),
    months: new Map([...state.months].map(([k, d]) => [k, d.c])),
    open: state.open,
  };
  const differences = diffSnapshots(rebuilt, await stored());
  const write = options.write ?? true;
  if (write) {
    options.onProgress?.({ phase: 'write', events: read });
    await replaceStored(c, state, options.batchSize);
  }
  return {
    events,
    chainGaps: gaps,
    dayDocuments: state.days.size,
    openItems: state.open.size,
    elapsedMs: Date.now() - started,
    differences,
    written: write,
  };
}

/**
 * Reads the whole audit trail into `chains`. No server-side sort: FerretDB v1 sorts in memory (10 million events
 * exhausted 23 GB). The scan comes in storage order, which for an append-only collection is append order; the
 * reorder buffer puts each agency's chain in `seq` order whatever the storage returns.
 */
async function readTrail(
  c: KpiCollectionsOf,
  chains: ChainOrder<ChainedEvent>,
  options: RebuildOptions,
): Promise<number> {
  const cursor = c.db
    .collection<ChainedEvent>(Collections.auditEvents)
    .find(
      {},
      { projection: { _id: 0, id: 1, time: 1, agency: 1, type: 1, documentId: 1, details: 1, seq: 1 } },
    )
    .batchSize(options.batchSize ?? 5_000);
  const every = options.progressEvery ?? 100_000;
  let read = 0;
  // Read ahead: ask for the next batch before counting the current one, so the database produces a batch while
  // this process counts the previous one (FerretDB decodes every document of a scan; both sides take a CPU).
  try {
    let more = cursor.hasNext();
    while (await more) {
      const batch = cursor.readBufferedDocuments();
      more = cursor.hasNext();
      more.catch(() => undefined); // surfaces at the `await` above
      for (const e of batch) {
        chains.push(e);
        if (++read % every === 0) options.onProgress?.({ phase: 'read', events: read });
        // Let the driver send the request for the next batch and take in its reply while counting.
        if (read % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    await cursor.close();
  }
  return read;
}

/** Whether a collection belongs to the KPI model's stored state (everything but the settings). */
function isKpiState(name: string): boolean {
  return (
    [
      KpiCollections.daysPrefix,
      KpiCollections.monthsPrefix,
      KpiCollections.openPrefix,
      KpiCollections.tracksPrefix,
      KpiCollections.appliedPrefix,
    ].some((p) => name.startsWith(p)) ||
    name === KpiCollections.legacyOpen ||
    name === KpiCollections.legacyTracks
  );
}

/** Drops every KPI collection except the settings (this layout's and an earlier one's) and writes the rebuilt state. */
async function replaceStored(c: KpiCollectionsOf, state: MemoryKpiState, batchSize?: number): Promise<void> {
  for (const name of await c.names()) if (isKpiState(name)) await c.db.collection(name).drop();
  const recent = (applied: string[]) => (applied.length ? { r: applied.slice(-RECENT_TOKENS) } : {});
  const byDay = new Map<string, DayDoc[]>();
  for (const [_id, d] of state.days)
    push(byDay, d.day, { _id, agency: d.agency, day: d.day, c: d.c, ...recent(d.applied) });
  for (const [day, docs] of byDay) await bulkInsert(c.days(day), docs, batchSize);
  const byMonth = new Map<string, MonthDoc[]>();
  for (const [_id, d] of state.months)
    push(byMonth, d.month, { _id, agency: d.agency, month: d.month, c: d.c, ...recent(d.applied) });
  for (const [month, docs] of byMonth) await bulkInsert(c.months(month), docs, batchSize);
  const items = new Map<string, OpenDoc[]>();
  const index: { _id: string; p: string }[] = [];
  for (const { id, ...rest } of state.open.values()) {
    const day = vnDay(rest.since);
    push(items, `${isTrack(id) ? 't' : 'o'}${day}`, { _id: id, ...rest });
    index.push({ _id: id, p: day });
  }
  for (const [key, docs] of items)
    await bulkInsert(key.startsWith('t') ? c.tracks(key.slice(1)) : c.open(key.slice(1)), docs, batchSize);
  await bulkInsert(c.index, index, batchSize);
  const tokens = new Map<string, { _id: string }[]>();
  for (const [id, month] of state.tokens) push(tokens, month, { _id: id });
  for (const [month, docs] of tokens) await bulkInsert(c.applied(month), docs, batchSize);
  // A new generation: every reader of every process drops its cache at its next query.
  await c.versions.replaceOne({ _id: 'changes' }, { gen: randomUUID(), c: {}, o: {} }, { upsert: true });
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function bulkInsert<T extends { _id: string }>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
  batchSize = 5_000,
): Promise<void> {
  for (let i = 0; i < docs.length; i += batchSize)
    await collection.insertMany(docs.slice(i, i + batchSize), { ordered: false });
}

/**
 * Releases events of each agency in chain (`seq`) order from a stream in any order, buffering those that arrive
 * early. Memory grows only with how far the stream is out of order (nothing, for storage order).
 */
export class ChainOrder<E extends { agency: string; seq: number }> {
  private readonly next = new Map<string, number>();
  private readonly early = new Map<string, Map<number, E>>();

  constructor(private readonly emit: (event: E) => void) {}

  push(e: E): void {
    const expected = this.next.get(e.agency) ?? 1;
    if (e.seq < expected) return;
    if (e.seq > expected) {
      if (!this.early.has(e.agency)) this.early.set(e.agency, new Map());
      this.early.get(e.agency)!.set(e.seq, e);
      return;
    }
    this.emit(e);
    let n = e.seq + 1;
    const waiting = this.early.get(e.agency);
    while (waiting?.has(n)) {
      const w = waiting.get(n)!;
      waiting.delete(n);
      this.emit(w);
      n++;
    }
    this.next.set(e.agency, n);
  }

  /** Emits what is still buffered (chains with gaps) in `seq` order; returns the number of gaps skipped. */
  flush(): number {
    let gaps = 0;
    for (const [agency, waiting] of this.early) {
      let expected = this.next.get(agency) ?? 1;
      for (const seq of [...waiting.keys()].sort((a, b) => a - b)) {
        if (seq > expected) gaps += seq - expected;
        this.emit(waiting.get(seq)!);
        expected = seq + 1;
      }
      waiting.clear();
    }
    return gaps;
  }
}
