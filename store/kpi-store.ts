import {
  MongoServerError,
  type Collection,
  type Db,
  type Filter,
  type OptionalUnlessRequiredId,
  type UpdateFilter,
} from 'mongodb';
import { Collections } from '../schemas/constants';
import { documentLocks, type DocumentLocks } from './document-locks';
import {
  DEFAULT_ACCEPT_SLA_HOURS,
  KpiCollections,
  SlaSettingsSchema,
  type SlaSettings,
} from '../schemas/kpi';
import { diffSnapshots, type KpiSnapshot } from '../kpi/compare';
import {
  dayDocId,
  effectsOf,
  groupIncrements,
  monthDocId,
  lookupsFor,
  type KpiEvent,
  type OpenItem,
  type OpenKind,
  type OpenOp,
} from '../kpi/event-effects';
import { MemoryKpiState } from '../kpi/memory-state';
import { addDays, addMonths, lastDayOfMonth, monthOf, vnDay, type DayRange } from '../kpi/period';

interface DayDoc {
  _id: string;
  agency: string;
  day: string;
  c: Record<string, number>;
  applied?: string[];
}

interface MonthDoc {
  _id: string;
  agency: string;
  month: string;
  c: Record<string, number>;
  applied?: string[];
}

interface OpenDoc extends Omit<OpenItem, 'id'> {
  _id: string;
}

interface SettingsDoc {
  _id: 'accept_sla';
  defaultHours: number;
  agencies: { agency: string; hours: number }[];
}

/** Counters of one agency on one day, as the dashboard queries read them. */
export interface DayCounterRow {
  agency: string;
  day: string;
  c: Record<string, number>;
}

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

export interface KpiStoreOptions {
  /** Acceptance SLA when no setting is stored; default 24 hours. */
  defaultSlaHours?: number;
}

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/**
 * Pre-aggregated KPI counters on MongoDB: one document per agency × Vietnamese day with a counter per KPI
 * dimension (collections `kpi_days_<yyyy>_<MM>`, one per month), the same counters rolled up per agency × month
 * (`kpi_months_<yyyy>`, one per year), the items open now (`kpi_open`) and the issue times waiting for acceptances (`kpi_tracks`). Updated by {@link KpiStore.apply} from each audit event,
 * right after the event is appended, and recomputable from the whole audit trail by
 * {@link KpiStore.rebuildFromAudit}. A query reads the rollup for the whole months of its period and the day
 * documents of the partial months only, so its cost depends on the period, not on the number of events or on how
 * much history is stored (FerretDB v1 scans a collection for every query, MongoDB uses the indexes).
 *
 * Idempotency without transactions: every counter document keeps the ids of the events it already counted, and an
 * event's increments to one document are a single atomic update guarded by "this id is not there yet" (`$ne` +
 * `$push`). A retried activity therefore never counts twice, and one that crashed half way completes the documents
 * it had not reached. Open items are changed by idempotent operations (insert-if-absent, delete, add-to-set, pull).
 */
export class KpiStore {
  constructor(
    private readonly db: Db,
    private readonly options: KpiStoreOptions = {},
  ) {}

  /** Counter and open-item writes of this process, one at a time per document (see store/document-locks.ts). */
  private get locks(): DocumentLocks {
    return documentLocks(this.db);
  }

  /** The day documents of one month (`yyyy-MM`). */
  private daysOf(month: string) {
    return this.db.collection<DayDoc>(`${KpiCollections.daysPrefix}${month.replace('-', '_')}`);
  }

  /** The month rollups of one year. */
  private monthsOf(year: string) {
    return this.db.collection<MonthDoc>(`${KpiCollections.monthsPrefix}${year}`);
  }

  /** Suffixes of the partition collections named `<prefix><suffix>`, sorted. */
  private async partitions(prefix: string, pattern: RegExp): Promise<string[]> {
    const names = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return names
      .map((c) => c.name)
      .filter((n) => n.startsWith(prefix) && pattern.test(n.slice(prefix.length)))
      .map((n) => n.slice(prefix.length))
      .sort();
  }

  /** Months that have a day-document collection (`yyyy-MM`), oldest first. */
  private async dayMonths(): Promise<string[]> {
    return (await this.partitions(KpiCollections.daysPrefix, /^\d{4}_\d{2}$/)).map((m) =>
      m.replace('_', '-'),
    );
  }

  /** Years that have a month-rollup collection, oldest first. */
  private async monthYears(): Promise<string[]> {
    return this.partitions(KpiCollections.monthsPrefix, /^\d{4}$/);
  }

  private get open() {
    return this.db.collection<OpenDoc>(KpiCollections.open);
  }
  private get tracks() {
    return this.db.collection<OpenDoc>(KpiCollections.tracks);
  }

  /** Where an open item lives: join partners that are never listed (`issued`) apart, so listings stay small. */
  private holderOf(id: string) {
    return isTrack(id) ? this.tracks : this.open;
  }
  private get settings() {
    return this.db.collection<SettingsDoc>(KpiCollections.settings);
  }

  /** Indexes for MongoDB (FerretDB v1 accepts them; it scans anyway). Idempotent. */
  async ensureIndexes(): Promise<void> {
    await this.open.createIndex({ agency: 1, kind: 1 });
    await this.tracks.createIndex({ agency: 1 });
  }

  /**
   * Counts one audit event (idempotent by `event.id`). Call it after the event is appended, in the same activity,
   * so a retry of the activity retries this too.
   */
  async apply(event: KpiEvent): Promise<void> {
    const found = new Map<string, OpenItem>();
    // findOne by _id: the one lookup FerretDB v1 pushes down to SQLite.
    await Promise.all(
      lookupsFor(event).map(async (id) => {
        const doc = await this.holderOf(id).findOne({ _id: id });
        if (doc) found.set(id, fromOpenDoc(doc));
      }),
    );
    const { increments, ops } = effectsOf(event, found);
    // Different counter documents, each guarded by the event id: in any order, side by side.
    await Promise.all([...groupIncrements(increments).values()].map((g) => this.increment(event.id, g)));
    // Open items change last: a retry after a crash sees the same lookups and so computes the same increments.
    // In order: two operations of one event may touch one item.
    for (const op of ops)
      await this.locks.run(`kpi-open:${op.op === 'open' ? op.item.id : op.id}`, () => this.applyOpenOp(op));
  }

  /** Adds an event's increments to its day document and to the month rollup, each guarded by the event id. */
  private async increment(
    token: string,
    g: { agency: string; day: string; dims: Record<string, number> },
  ): Promise<void> {
    const month = monthOf(g.day);
    const day = dayDocId(g.agency, g.day);
    const rollup = monthDocId(g.agency, month);
    await Promise.all([
      this.locks.run(`kpi-day:${day}`, () =>
        guardedInc(this.daysOf(month), day, token, g.dims, { agency: g.agency, day: g.day }),
      ),
      this.locks.run(`kpi-month:${rollup}`, () =>
        guardedInc(this.monthsOf(month.slice(0, 4)), rollup, token, g.dims, { agency: g.agency, month }),
      ),
    ]);
  }

  private async applyOpenOp(op: OpenOp): Promise<void> {
    switch (op.op) {
      case 'open': {
        const { id, ...rest } = op.item;
        await this.holderOf(id)
          .updateOne({ _id: id }, { $setOnInsert: rest }, { upsert: true })
          .catch((err: unknown) => {
            if (!isDuplicateKey(err)) throw err;
          });
        return;
      }
      case 'close':
        await this.holderOf(op.id).deleteOne({ _id: op.id });
        return;
      case 'addPending':
        await this.holderOf(op.id).updateOne({ _id: op.id }, { $addToSet: { pending: op.recipient } });
        return;
      case 'settle': {
        const holder = this.holderOf(op.id);
        const res = await holder.updateOne({ _id: op.id }, { $pullAll: { pending: [op.recipient] } });
        if (res.matchedCount === 0) return;
        const doc = await holder.findOne({ _id: op.id });
        // Hazard: read-then-delete; safe because only the document's own workflow changes this item, in order.
        if (doc && (doc.pending ?? []).length === 0) await holder.deleteOne({ _id: op.id });
        return;
      }
    }
  }

  /**
   * Counters of `range`, optionally of some agencies only: whole months inside the range come from the monthly
   * rollup (as one row dated the 1st of the month), the days of partial months from the day documents. Summing the
   * rows gives the totals of the range; grouping them by month gives a monthly trend.
   */
  async dayCounters(range: DayRange, agencies?: readonly string[]): Promise<DayCounterRow[]> {
    const agencyFilter =
      agencies === undefined
        ? {}
        : agencies.length === 1
          ? { agency: agencies[0] }
          : { agency: { $in: [...agencies] } };
    const whole: string[] = [];
    for (let m = monthOf(range.from); m <= monthOf(range.to); m = addMonths(m, 1))
      if (`${m}-01` >= range.from && lastDayOfMonth(m) <= range.to) whole.push(m);
    const dayRanges: DayRange[] = [];
    if (whole.length === 0) dayRanges.push(range);
    else {
      if (range.from < `${whole[0]}-01`)
        dayRanges.push({ from: range.from, to: addDays(`${whole[0]}-01`, -1) });
      const after = addDays(lastDayOfMonth(whole[whole.length - 1]), 1);
      if (after <= range.to) dayRanges.push({ from: after, to: range.to });
    }
    const rows: DayCounterRow[] = [];
    for (const year of [...new Set(whole.map((m) => m.slice(0, 4)))]) {
      const inYear = whole.filter((m) => m.startsWith(year));
      const docs = await this.monthsOf(year)
        .find(
          { month: { $gte: inYear[0], $lte: inYear[inYear.length - 1] }, ...agencyFilter },
          { projection: { applied: 0 } },
        )
        .toArray();
      for (const d of docs) rows.push({ agency: d.agency, day: `${d.month}-01`, c: d.c ?? {} });
    }
    for (const r of dayRanges) {
      for (let m = monthOf(r.from); m <= monthOf(r.to); m = addMonths(m, 1)) {
        const docs = await this.daysOf(m)
          .find({ day: { $gte: r.from, $lte: r.to }, ...agencyFilter }, { projection: { applied: 0 } })
          .toArray();
        for (const d of docs) rows.push({ agency: d.agency, day: d.day, c: d.c ?? {} });
      }
    }
    return rows;
  }

  /** Items open now, optionally of some agencies or of one kind. */
  async openItems(filter: { agencies?: readonly string[]; kind?: OpenKind } = {}): Promise<OpenItem[]> {
    const q: Filter<OpenDoc> = {};
    if (filter.kind) q.kind = filter.kind;
    if (filter.agencies && filter.agencies.length === 1) q.agency = filter.agencies[0];
    else if (filter.agencies) q.agency = { $in: [...filter.agencies] };
    return (await this.open.find(q).toArray()).map(fromOpenDoc);
  }

  /** The acceptance SLA settings (default hours and per-agency overrides). */
  async slaSettings(): Promise<SlaSettings> {
    const doc = await this.settings.findOne({ _id: 'accept_sla' });
    return doc
      ? { defaultHours: doc.defaultHours, agencies: doc.agencies ?? [] }
      : { defaultHours: this.options.defaultSlaHours ?? DEFAULT_ACCEPT_SLA_HOURS, agencies: [] };
  }

  async setSlaSettings(settings: SlaSettings): Promise<SlaSettings> {
    const s = SlaSettingsSchema.parse(settings);
    await this.settings.updateOne(
      { _id: 'accept_sla' },
      { $set: { defaultHours: s.defaultHours, agencies: s.agencies } },
      { upsert: true },
    );
    return s;
  }

  /** Everything stored, for comparison with a rebuild. */
  async snapshot(): Promise<KpiSnapshot> {
    const days = new Map<string, Record<string, number>>();
    for (const month of await this.dayMonths())
      for await (const d of this.daysOf(month).find({}, { projection: { applied: 0 } }))
        days.set(d._id, d.c ?? {});
    const months = new Map<string, Record<string, number>>();
    for (const year of await this.monthYears())
      for await (const d of this.monthsOf(year).find({}, { projection: { applied: 0 } }))
        months.set(d._id, d.c ?? {});
    const open = new Map<string, OpenItem>();
    for (const holder of [this.open, this.tracks])
      for await (const d of holder.find({})) open.set(d._id, fromOpenDoc(d));
    return { days, months, open };
  }

  /**
   * Recomputes every counter and open item from the audit trail (events of each agency in chain order, through the
   * same {@link effectsOf} as the incremental path) and compares the result with what is stored. With `write` (the
   * default) the stored state is then replaced; run it when no activity is appending (a maintenance window), since
   * events counted incrementally while it runs would be lost.
   *
   * Idempotency tokens are kept only for counter days from `tokenRetentionDays` (default 30) before `now`, so the
   * rebuild's memory stays bounded by the recent events; an activity retried after a rebuild concerns a recent event.
   */
  async rebuildFromAudit(
    options: {
      write?: boolean;
      now?: Date;
      tokenRetentionDays?: number;
      batchSize?: number;
      /** Called every `progressEvery` (default 100,000) events read and once per phase (long rebuilds). */
      onProgress?: (p: { phase: 'read' | 'compare' | 'write'; events: number }) => void;
      progressEvery?: number;
    } = {},
  ): Promise<RebuildResult> {
    const started = Date.now();
    const now = options.now ?? new Date();
    const state = new MemoryKpiState({
      keepTokensFrom: addDays(vnDay(now), -(options.tokenRetentionDays ?? 30)),
    });
    let events = 0;
    // No server-side sort: FerretDB v1 sorts in memory (10 million events exhausted 23 GB). The scan comes in
    // storage order, which for an append-only collection is append order; the reorder buffer puts each agency's
    // chain in `seq` order whatever the storage returns.
    const chains = new ChainOrder<KpiEvent & { seq: number }>((e) => {
      state.apply(e);
      events++;
    });
    const cursor = this.db
      .collection<KpiEvent & { seq: number }>(Collections.auditEvents)
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
    const gaps = chains.flush();
    options.onProgress?.({ phase: 'compare', events: read });
    const rebuilt: KpiSnapshot = {
      days: new Map([...state.days].map(([k, d]) => [k, d.c])),
      months: new Map([...state.months].map(([k, d]) => [k, d.c])),
      open: state.open,
    };
    const differences = diffSnapshots(rebuilt, await this.snapshot());
    const write = options.write ?? true;
    if (write) {
      options.onProgress?.({ phase: 'write', events: read });
      for (const month of await this.dayMonths()) await this.daysOf(month).drop();
      for (const year of await this.monthYears()) await this.monthsOf(year).drop();
      await this.open.deleteMany({});
      await this.tracks.deleteMany({});
      const byMonth = new Map<string, DayDoc[]>();
      for (const [_id, d] of state.days) {
        const month = monthOf(d.day);
        if (!byMonth.has(month)) byMonth.set(month, []);
        byMonth.get(month)!.push({ _id, agency: d.agency, day: d.day, c: d.c, applied: d.applied });
      }
      for (const [month, docs] of byMonth) await this.bulkInsert(this.daysOf(month), docs, options.batchSize);
      const byYear = new Map<string, MonthDoc[]>();
      for (const [_id, d] of state.months) {
        const year = d.month.slice(0, 4);
        if (!byYear.has(year)) byYear.set(year, []);
        byYear.get(year)!.push({ _id, agency: d.agency, month: d.month, c: d.c, applied: d.applied });
      }
      for (const [year, docs] of byYear) await this.bulkInsert(this.monthsOf(year), docs, options.batchSize);
      const items = [...state.open.values()].map(({ id, ...rest }) => ({ _id: id, ...rest }));
      await this.bulkInsert(
        this.open,
        items.filter((d) => !isTrack(d._id)),
        options.batchSize,
      );
      await this.bulkInsert(
        this.tracks,
        items.filter((d) => isTrack(d._id)),
        options.batchSize,
      );
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

  private async bulkInsert<T extends { _id: string }>(
    collection: Collection<T>,
    docs: OptionalUnlessRequiredId<T>[],
    batchSize = 5_000,
  ): Promise<void> {
    for (let i = 0; i < docs.length; i += batchSize)
      await collection.insertMany(docs.slice(i, i + batchSize), { ordered: false });
  }

  /** Drops idempotency tokens of counter days and months before `beforeDay` (retries concern recent events only). */
  async pruneTokens(beforeDay: string): Promise<number> {
    let modified = 0;
    for (const month of await this.dayMonths()) {
      if (month > monthOf(beforeDay)) break;
      const res = await this.daysOf(month).updateMany({ day: { $lt: beforeDay } }, { $set: { applied: [] } });
      modified += res.modifiedCount;
    }
    for (const year of await this.monthYears()) {
      if (year > beforeDay.slice(0, 4)) break;
      const res = await this.monthsOf(year).updateMany(
        { month: { $lt: monthOf(beforeDay) } },
        { $set: { applied: [] } },
      );
      modified += res.modifiedCount;
    }
    return modified;
  }
}

/**
 * `$inc` of `dims` in document `_id`, once per `token`: one atomic update guarded by "token not yet applied". When
 * the document already holds the token the upsert collides on `_id` (E11000); a collision without the token is a
 * race between two first writes, and the update is retried.
 */
async function guardedInc<T extends { _id: string; c: Record<string, number>; applied?: string[] }>(
  collection: Collection<T>,
  _id: string,
  token: string,
  dims: Record<string, number>,
  insertFields: Record<string, string>,
): Promise<void> {
  const $inc = Object.fromEntries(Object.entries(dims).map(([dim, n]) => [`c.${dim}`, n]));
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await collection.updateOne(
        { _id, applied: { $ne: token } } as Filter<T>,
        { $inc, $push: { applied: token }, $setOnInsert: insertFields } as unknown as UpdateFilter<T>,
        { upsert: true },
      );
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (await collection.findOne({ _id, applied: token } as Filter<T>, { projection: { _id: 1 } })) return;
    }
  }
  throw new Error(`KPI counter ${_id} kept colliding; giving up`);
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

/** Join partners that are never listed (`issued`) live in their own collection, so listings stay small. */
const isTrack = (id: string) => id.startsWith('issued|');

function fromOpenDoc(doc: OpenDoc): OpenItem {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
