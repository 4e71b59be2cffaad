import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { documentLocks, type DocumentLocks } from './document-locks';
import {
  DEFAULT_ACCEPT_SLA_HOURS,
  KpiCollections,
  SlaSettingsSchema,
  type SlaSettings,
} from '../schemas/kpi';
import type { KpiSnapshot } from '../kpi/compare';
import {
  effectsOf,
  groupIncrements,
  lookupsFor,
  type KpiEvent,
  type OpenItem,
  type OpenOp,
  type OpenKind,
} from '../kpi/event-effects';
import { batchEffects, storeOps, opItemId, type StoreOp } from '../kpi/batch-effects';
import { announcesDay } from '../kpi/freshness';
import { monthOf, vnDay } from '../kpi/period';
import {
  fromOpenDoc,
  isDuplicateKey,
  isTrack,
  KpiCollectionsOf,
  partitionsOf,
  versionKey,
  BATCH_EVENTS,
} from './kpi-documents';
import { TOKEN_FIELDS } from './kpi-counter-write';
import { KpiCounting } from './kpi-counting';
import { knownPartitionsOf, type KnownPartitions } from './kpi-known-partitions';
import { kpiReadModel, type DayCounterRow, type KpiReadModel } from './kpi-read-model';
import { ChainOrder, rebuildFromAudit, type RebuildOptions, type RebuildResult } from './kpi-rebuild';

export { ChainOrder, type DayCounterRow, type RebuildResult };

interface SettingsDoc {
  _id: 'accept_sla';
  defaultHours: number;
  agencies: { agency: string; hours: number }[];
}

/** An open item and the day partition that holds it. */
interface Located {
  item: OpenItem;
  day: string;
}

export interface KpiStoreOptions {
  /** Acceptance SLA when no setting is stored; default 24 hours. */
  defaultSlaHours?: number;
  /** The clock deciding which periods are settled (tests); default the system clock. */
  clock?: () => number;
}

/**
 * Pre-aggregated KPI counters on MongoDB, laid out for what FerretDB v1 (the dev stack) does fast: inserts, and
 * lookups by `_id`. It reads a whole collection for any other query and for every update or delete, even by `_id`,
 * so every collection that is updated is a small partition:
 *
 * - counters per agency × Vietnamese day (`kpi_days_<yyyy>_<MM>_<dd>`, at most one document per agency) and per
 *   agency × month (`kpi_months_<yyyy>_<MM>`), changed by `$inc` by `_id`;
 * - idempotency tokens in their own collections (`kpi_applied_<yyyy>_<MM>`, `_id` = event id), inserted once;
 * - open items, one document each, in the partition of the day they were first opened (`kpi_open_…`,
 *   `kpi_tracks_…` for the issue times never listed), found through an insert-only index (`kpi_open_index`);
 * - one versions document announcing writes to settled periods, so that each process keeps the settled documents
 *   in memory ({@link KpiReadModel}) and a dashboard query reads only what is hot or announced.
 *
 * Updated by {@link KpiStore.apply} from each audit event right after it is appended; recomputable from the whole
 * audit trail by {@link KpiStore.rebuildFromAudit}, which also migrates an earlier layout.
 */
export class KpiStore {
  private readonly c: KpiCollectionsOf;
  private readonly clock: () => number;
  private readonly counting: KpiCounting;

  constructor(
    private readonly db: Db,
    private readonly options: KpiStoreOptions = {},
  ) {
    this.c = new KpiCollectionsOf(db);
    this.clock = options.clock ?? Date.now;
    this.counting = new KpiCounting(db, this.c, this.clock);
  }

  /** Counter and open-item writes of this process, one at a time per document (see store/document-locks.ts). */
  private get locks(): DocumentLocks {
    return documentLocks(this.db);
  }

  /** The open-item index as this process has read or written it (see {@link KnownPartitions}). */
  private get partitions(): KnownPartitions {
    return knownPartitionsOf(this.db);
  }

  private get reads(): KpiReadModel {
    return kpiReadModel(this.db, this.clock);
  }

  /** Indexes for MongoDB; every query of the store is by `_id`, so none is needed beyond it. Idempotent. */
  async ensureIndexes(): Promise<void> {
    await this.c.versions.updateOne(
      { _id: 'changes' },
      { $setOnInsert: { gen: randomUUID() } },
      { upsert: true },
    );
  }

  /**
   * Counts one audit event (idempotent by `event.id`). Call it after the event is appended, in the same activity,
   * so a retry of the activity retries this too. Cost, whatever the history: one token insert and two `$inc` in
   * small partitions per agency and day counted; for each open-item operation one or two lookups and one write in a
   * small partition; one more update when a settled period is changed (announced to the readers).
   */
  async apply(event: KpiEvent): Promise<void> {
    const found = new Map<string, OpenItem>();
    /** Items looked up, with their partitions: the operation that changes one first need not look again. */
    const located = new Map<string, Located | null>();
    const lookups = lookupsFor(event);
    // An event that needs lookups (an acceptance) almost always counts: its token goes in beside the lookups.
    const early = lookups.length > 0 ? this.counting.insertToken(event) : undefined;
    early?.catch(() => undefined); // surfaces at the `await` below
    await Promise.all(
      lookups.map(async (id) => {
        const item = await this.findItem(id);
        located.set(id, item);
        if (item) found.set(id, item.item);
      }),
    );
    const { increments, ops } = effectsOf(event, found);
    const groups = [...groupIncrements(increments).values()];
    const first = await (early ?? (groups.length > 0 ? this.counting.insertToken(event) : undefined));
    if (groups.length > 0) {
      await Promise.all(groups.map((g) => this.counting.increment([event.id], g, first === true)));
      await this.counting.announceCounters(groups);
    }
    // Open items change last: a retry after a crash sees the same lookups and so computes the same increments.
    await this.applyOpenOps(ops, located);
  }

  /**
   * Counts events appended together, in order, exactly as `apply` one after another would (same counters, same open
   * items; see kpi/batch-effects.ts), with one token insert and one `$inc` per counter document for all of them and
   * for the countings of other documents that go in the same commit (store/kpi-counting.ts). A batch partly counted
   * before (a retried activity, a rebuild in between) is counted event by event instead, each guarded by its own
   * token. At most {@link BATCH_EVENTS} at a time.
   */
  async applyAll(events: readonly KpiEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH_EVENTS)
      await this.applyBatch(events.slice(i, i + BATCH_EVENTS));
  }

  private async applyBatch(events: readonly KpiEvent[]): Promise<void> {
    /** Items looked up, as stored before the batch: the first operation on one need not look again. */
    const located = new Map<string, Located | null>();
    const { increments, ops } = await batchEffects(events, async (id) => {
      const item = await this.findItem(id);
      located.set(id, item);
      return item?.item ?? null;
    });
    const groups = [...groupIncrements(increments).values()];
    if (groups.length > 0 && (await this.counting.count({ events, groups })) === 'counted-before') {
      for (const event of events) await this.apply(event);
      return;
    }
    // As in `apply`: open items last.
    await this.applyOpenOps(ops, located);
  }

  /**
   * The open-item operations of one event or batch, in order (two of them may touch one item). `located`: the items
   * its lookups found, as stored before any of these operations; only an item's first operation may use that.
   */
  private async applyOpenOps(ops: readonly OpenOp[], located: Map<string, Located | null>): Promise<void> {
    for (const op of storeOps(ops)) {
      const id = opItemId(op);
      const known = located.get(id);
      located.delete(id);
      await this.locks.run(`kpi-open:${id}`, () => this.applyOpenOp(op, known));
    }
  }

  /**
   * An open item and the day partition holding it, or null when it is not open. The partition comes from this
   * process's memory of the insert-only index when it has it (one read instead of two); when the item is not where
   * memory says, the index itself decides (a rebuild elsewhere may have laid the partitions out anew).
   */
  private async findItem(id: string): Promise<Located | null> {
    const remembered = this.partitions.get(id);
    if (remembered !== undefined) {
      const doc = await this.c.items(remembered, id).findOne({ _id: id });
      if (doc) return { item: fromOpenDoc(doc), day: remembered };
    }
    const where = await this.c.index.findOne({ _id: id });
    if (!where) return null;
    this.partitions.remember(id, where.p);
    if (where.p === remembered) return null;
    const doc = await this.c.items(where.p, id).findOne({ _id: id });
    return doc ? { item: fromOpenDoc(doc), day: where.p } : null;
  }

  /**
   * The day partition of an item: where it was first opened (the index is insert-only: an item opened again keeps
   * its partition, so that nothing is ever updated in the index, whatever its size).
   */
  private async partitionOf(item: OpenItem): Promise<string> {
    const remembered = this.partitions.get(item.id);
    if (remembered !== undefined) return remembered;
    const day = vnDay(item.since);
    try {
      await this.c.index.insertOne({ _id: item.id, p: day });
      this.partitions.remember(item.id, day);
      return day;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const p = (await this.c.index.findOne({ _id: item.id }))?.p ?? day;
      this.partitions.remember(item.id, p);
      return p;
    }
  }

  /**
   * One open-item operation; each is idempotent, so a retry after a crash completes it. `known`: the item as this
   * event's lookups found it (`null`: not open), when they did.
   */
  private async applyOpenOp(op: StoreOp, known?: Located | null): Promise<void> {
    if (op.op === 'open') {
      const day = await this.partitionOf(op.item);
      const { id: _id, ...rest } = op.item;
      // Open only if absent: an insert, which (unlike an upsert) FerretDB does without reading the collection.
      await this.c
        .items(day, _id)
        .insertOne({ _id, ...rest })
        .catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
      return this.announceItems(day, op.item);
    }
    const found = known === undefined ? await this.findItem(op.id) : known;
    if (!found) return;
    const items = this.c.items(found.day, op.id);
    await this.locks.run(`kpi-items:${found.day}`, async () => {
      if (op.op === 'close') await items.deleteOne({ _id: op.id });
      else if (op.op === 'addPending')
        await items.updateOne({ _id: op.id }, { $addToSet: { pending: { $each: op.recipients } } });
      else {
        const pending = (found.item.pending ?? []).filter((r) => !op.recipients.includes(r));
        // Only the document's own workflow changes this item, in order: what was read is still current.
        if (pending.length === 0) await items.deleteOne({ _id: op.id });
        else await items.updateOne({ _id: op.id }, { $pullAll: { pending: op.recipients } });
      }
    });
    return this.announceItems(found.day, found.item);
  }

  /** Announces a change to a listed item of a day other than today. */
  private async announceItems(day: string, item: OpenItem): Promise<void> {
    if (!isTrack(item.id) && announcesDay(day, this.clock()))
      await this.counting.announce('o', [versionKey(day, item.agency)]);
  }

  /**
   * Counters of `range`, optionally of some agencies only: whole settled months come from the monthly rollup (as
   * one row dated the 1st of the month), other days from the day documents. Summing the rows gives the totals of
   * the range; grouping them by month gives a monthly trend.
   */
  async dayCounters(
    range: { from: string; to: string },
    agencies?: readonly string[],
  ): Promise<DayCounterRow[]> {
    return this.reads.dayCounters(range, agencies);
  }

  /** Items open now, optionally of some agencies or of one kind. */
  async openItems(filter: { agencies?: readonly string[]; kind?: OpenKind } = {}): Promise<OpenItem[]> {
    const items = await this.reads.openItems(filter.agencies);
    return filter.kind ? items.filter((i) => i.kind === filter.kind) : items;
  }

  /** The acceptance SLA settings (default hours and per-agency overrides). */
  async slaSettings(): Promise<SlaSettings> {
    const doc = await this.db.collection<SettingsDoc>(KpiCollections.settings).findOne({ _id: 'accept_sla' });
    return doc
      ? { defaultHours: doc.defaultHours, agencies: doc.agencies ?? [] }
      : { defaultHours: this.options.defaultSlaHours ?? DEFAULT_ACCEPT_SLA_HOURS, agencies: [] };
  }

  async setSlaSettings(settings: SlaSettings): Promise<SlaSettings> {
    const s = SlaSettingsSchema.parse(settings);
    await this.db
      .collection<SettingsDoc>(KpiCollections.settings)
      .updateOne(
        { _id: 'accept_sla' },
        { $set: { defaultHours: s.defaultHours, agencies: s.agencies } },
        { upsert: true },
      );
    return s;
  }

  /** Everything stored (scans; for comparison with a rebuild). */
  async snapshot(): Promise<KpiSnapshot> {
    const names = await this.c.names();
    const days = new Map<string, Record<string, number>>();
    for (const day of partitionsOf(names, KpiCollections.daysPrefix, 'day'))
      for await (const d of this.c.days(day).find({}, { projection: TOKEN_FIELDS }))
        days.set(d._id, d.c ?? {});
    const months = new Map<string, Record<string, number>>();
    for (const month of partitionsOf(names, KpiCollections.monthsPrefix, 'month'))
      for await (const d of this.c.months(month).find({}, { projection: TOKEN_FIELDS }))
        months.set(d._id, d.c ?? {});
    const open = new Map<string, OpenItem>();
    for (const day of partitionsOf(names, KpiCollections.openPrefix, 'day'))
      for await (const d of this.c.open(day).find({})) open.set(d._id, fromOpenDoc(d));
    for (const day of partitionsOf(names, KpiCollections.tracksPrefix, 'day'))
      for await (const d of this.c.tracks(day).find({})) open.set(d._id, fromOpenDoc(d));
    return { days, months, open };
  }

  /** See {@link rebuildFromAudit}; this is also the migration from an earlier layout. */
  async rebuildFromAudit(options: RebuildOptions = {}): Promise<RebuildResult> {
    this.partitions.forgetAll();
    try {
      return await rebuildFromAudit(this.c, () => this.snapshot(), options);
    } finally {
      this.partitions.forgetAll();
    }
  }

  /**
   * Drops idempotency tokens of events before the month of `beforeDay` (whole token partitions) and the recent
   * tokens of counter documents dated before it (retries concern recent events only).
   */
  async pruneTokens(beforeDay: string): Promise<number> {
    const names = await this.c.names();
    let modified = 0;
    for (const month of partitionsOf(names, KpiCollections.appliedPrefix, 'month'))
      if (month < monthOf(beforeDay)) await this.c.applied(month).drop();
    for (const day of partitionsOf(names, KpiCollections.daysPrefix, 'day')) {
      if (day >= beforeDay) break;
      modified += (await this.c.days(day).updateMany({}, { $unset: { r: '', w: '', e: '' } })).modifiedCount;
    }
    for (const month of partitionsOf(names, KpiCollections.monthsPrefix, 'month')) {
      if (month >= monthOf(beforeDay)) break;
      modified += (await this.c.months(month).updateMany({}, { $unset: { r: '', w: '', e: '' } }))
        .modifiedCount;
    }
    return modified;
  }
}
