import {
  MongoServerError,
  type Collection,
  type Db,
  type Filter,
  type OptionalUnlessRequiredId,
} from 'mongodb';
import { Collections } from '../schemas/constants';
import {
  DEFAULT_ACCEPT_SLA_HOURS,
  KpiCollections,
  SlaSettingsSchema,
  type SlaSettings,
} from '../schemas/kpi';
import { diffSnapshots, type KpiSnapshot } from '../kpi/compare';
import {
  effectsOf,
  groupIncrements,
  lookupsFor,
  type KpiEvent,
  type OpenItem,
  type OpenKind,
  type OpenOp,
} from '../kpi/event-effects';
import { MemoryKpiState } from '../kpi/memory-state';
import { addDays, vnDay, type DayRange } from '../kpi/period';

interface DayDoc {
  _id: string;
  agency: string;
  day: string;
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
 * dimension, plus the items that are open now. Updated by {@link KpiStore.apply} from each audit event, right after
 * the event is appended, and recomputable from the whole audit trail by {@link KpiStore.rebuildFromAudit}.
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

  private get days() {
    return this.db.collection<DayDoc>(KpiCollections.days);
  }
  private get open() {
    return this.db.collection<OpenDoc>(KpiCollections.open);
  }
  private get settings() {
    return this.db.collection<SettingsDoc>(KpiCollections.settings);
  }

  /** Indexes for MongoDB (FerretDB v1 accepts them; it scans anyway). Idempotent. */
  async ensureIndexes(): Promise<void> {
    await this.days.createIndex({ day: 1, agency: 1 });
    await this.days.createIndex({ agency: 1, day: 1 });
    await this.open.createIndex({ agency: 1, kind: 1 });
  }

  /**
   * Counts one audit event (idempotent by `event.id`). Call it after the event is appended, in the same activity,
   * so a retry of the activity retries this too.
   */
  async apply(event: KpiEvent): Promise<void> {
    const found = new Map<string, OpenItem>();
    for (const id of lookupsFor(event)) {
      // findOne by _id: the one lookup FerretDB v1 pushes down to SQLite.
      const doc = await this.open.findOne({ _id: id });
      if (doc) found.set(id, fromOpenDoc(doc));
    }
    const { increments, ops } = effectsOf(event, found);
    for (const g of groupIncrements(increments).values()) await this.increment(event.id, g);
    // Open items change last: a retry after a crash sees the same lookups and so computes the same increments.
    for (const op of ops) await this.applyOpenOp(op);
  }

  private async increment(
    token: string,
    g: { agency: string; day: string; dims: Record<string, number> },
  ): Promise<void> {
    const _id = `${g.agency}|${g.day}`;
    const $inc = Object.fromEntries(Object.entries(g.dims).map(([dim, n]) => [`c.${dim}`, n]));
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await this.days.updateOne(
          { _id, applied: { $ne: token } },
          { $inc, $push: { applied: token }, $setOnInsert: { agency: g.agency, day: g.day } },
          { upsert: true },
        );
        return;
      } catch (err) {
        // The document exists and already holds the token (the upsert then collides on _id), or two first writes
        // of the day raced: look, and retry the update in the second case.
        if (!isDuplicateKey(err)) throw err;
        if (await this.days.findOne({ _id, applied: token }, { projection: { _id: 1 } })) return;
      }
    }
    throw new Error(`KPI counter ${_id} kept colliding; giving up`);
  }

  private async applyOpenOp(op: OpenOp): Promise<void> {
    switch (op.op) {
      case 'open': {
        const { id, ...rest } = op.item;
        await this.open
          .updateOne({ _id: id }, { $setOnInsert: rest }, { upsert: true })
          .catch((err: unknown) => {
            if (!isDuplicateKey(err)) throw err;
          });
        return;
      }
      case 'close':
        await this.open.deleteOne({ _id: op.id });
        return;
      case 'addPending':
        await this.open.updateOne({ _id: op.id }, { $addToSet: { pending: op.recipient } });
        return;
      case 'settle': {
        const res = await this.open.updateOne({ _id: op.id }, { $pullAll: { pending: [op.recipient] } });
        if (res.matchedCount === 0) return;
        const doc = await this.open.findOne({ _id: op.id });
        if (doc && (doc.pending ?? []).length === 0) await this.open.deleteOne({ _id: op.id });
        return;
      }
    }
  }

  /** Counter documents of the days in `range`, optionally of some agencies only. */
  async dayCounters(range: DayRange, agencies?: readonly string[]): Promise<DayCounterRow[]> {
    const filter: Filter<DayDoc> = { day: { $gte: range.from, $lte: range.to } };
    if (agencies && agencies.length === 1) filter.agency = agencies[0];
    else if (agencies) filter.agency = { $in: [...agencies] };
    const docs = await this.days.find(filter, { projection: { applied: 0 } }).toArray();
    return docs.map((d) => ({ agency: d.agency, day: d.day, c: d.c ?? {} }));
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
    for await (const d of this.days.find({}, { projection: { applied: 0 } })) days.set(d._id, d.c ?? {});
    const open = new Map<string, OpenItem>();
    for await (const d of this.open.find({})) open.set(d._id, fromOpenDoc(d));
    return { days, open };
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
    options: { write?: boolean; now?: Date; tokenRetentionDays?: number; batchSize?: number } = {},
  ): Promise<RebuildResult> {
    const started = Date.now();
    const now = options.now ?? new Date();
    const state = new MemoryKpiState({
      keepTokensFrom: addDays(vnDay(now), -(options.tokenRetentionDays ?? 30)),
    });
    let events = 0;
    const cursor = this.db
      .collection<KpiEvent & { seq: number }>(Collections.auditEvents)
      .find({}, { projection: { _id: 0, id: 1, time: 1, agency: 1, type: 1, documentId: 1, details: 1 } })
      .sort({ agency: 1, seq: 1 })
      .batchSize(options.batchSize ?? 5_000);
    for await (const e of cursor) {
      state.apply(e);
      events++;
    }
    const rebuilt: KpiSnapshot = {
      days: new Map([...state.days].map(([k, d]) => [k, d.c])),
      open: state.open,
    };
    const differences = diffSnapshots(rebuilt, await this.snapshot());
    const write = options.write ?? true;
    if (write) {
      await this.days.deleteMany({});
      await this.open.deleteMany({});
      await this.bulkInsert(
        this.days,
        [...state.days].map(([_id, d]) => ({
          _id,
          agency: d.agency,
          day: d.day,
          c: d.c,
          applied: d.applied,
        })),
        options.batchSize,
      );
      await this.bulkInsert(
        this.open,
        [...state.open.values()].map(({ id, ...rest }) => ({ _id: id, ...rest })),
        options.batchSize,
      );
    }
    return {
      events,
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

  /** Drops idempotency tokens of counter days before `beforeDay` (retries concern recent events only). */
  async pruneTokens(beforeDay: string): Promise<number> {
    const res = await this.days.updateMany({ day: { $lt: beforeDay } }, { $set: { applied: [] } });
    return res.modifiedCount;
  }
}

function fromOpenDoc(doc: OpenDoc): OpenItem {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
