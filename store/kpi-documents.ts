import { MongoBulkWriteError, MongoServerError, type Collection, type Db } from 'mongodb';
import { KpiCollections } from '../schemas/kpi';
import { escapeKey, type OpenItem } from '../kpi/event-effects';
import type { CounterTokens } from './kpi-counter-write';

/**
 * The KPI collections and the shape of their documents. Every hot read and write below is by `_id`: FerretDB v1
 * (the dev stack) serves only `_id` lookups without decoding a whole collection.
 */

/** Counters of one agency on one day (`_id` = `agency|day`), in `kpi_days_<yyyy>_<MM>`. */
export interface DayDoc extends CounterTokens {
  _id: string;
  agency: string;
  day: string;
  c: Record<string, number>;
}

/** The same counters summed over a month (`_id` = `agency|yyyy-MM`), in `kpi_months_<yyyy>`. */
export interface MonthDoc extends CounterTokens {
  _id: string;
  agency: string;
  month: string;
  c: Record<string, number>;
}

/** One open item by its id (the lookups of `effectsOf` and the detail of a drill-down). */
export interface OpenDoc extends Omit<OpenItem, 'id'> {
  _id: string;
}

/** Where an open item lives: the day partition of its first opening (insert-only, `_id` = item id). */
export interface IndexDoc {
  _id: string;
  p: string;
}

/** Writes to settled periods, announced so readers drop exactly what changed (see kpi/freshness.ts). */
export interface VersionsDoc {
  _id: 'changes';
  /** Changed whenever the stored counters are replaced (rebuild): readers drop everything. */
  gen: string;
  /** `day|agency` (agency escaped) → number of announced writes to that day document and its month rollup. */
  c?: Record<string, number>;
  /** `day|agency` → number of announced writes to that agency's open items in the day partition. */
  o?: Record<string, number>;
}

/**
 * Tokens a rebuild leaves in each counter document's `r` (the last events it counted there), so that an activity
 * retried across a rebuild does not count again; live counting keeps its tokens by time (store/kpi-counter-write.ts).
 */
export const RECENT_TOKENS = 16;

export const isDuplicateKey = (err: unknown): boolean =>
  err instanceof MongoServerError && err.code === 11000;

/** An unordered insert that failed only because some documents were there already. */
export function isDuplicateKeyBatch(err: unknown): boolean {
  if (err instanceof MongoBulkWriteError) {
    const errors = [err.writeErrors].flat();
    return errors.length > 0 && errors.every((e) => e.code === 11000);
  }
  return isDuplicateKey(err);
}

/** The positions of the documents an unordered insert refused (undefined: the error does not say which). */
export function duplicateIndexes(err: unknown): number[] | undefined {
  return err instanceof MongoBulkWriteError ? [err.writeErrors].flat().map((e) => e.index) : undefined;
}

/**
 * Events counted together at most: a batch partly counted before (a retry) is counted again event by event, so a
 * batch stays small.
 */
export const BATCH_EVENTS = 8;

/** Join partners that are never listed (`issued`) live in their own partitions, so listings stay small. */
export const isTrack = (id: string): boolean => id.startsWith('issued|');

export const versionKey = (period: string, agency: string): string => `${period}|${escapeKey(agency)}`;

/** `yyyy-MM-dd` → `yyyy_MM_dd` (collection name suffix). */
const suffix = (period: string) => period.replace(/-/g, '_');

export function fromOpenDoc(doc: OpenDoc): OpenItem {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}

/** Typed access to the KPI collections of one database. */
export class KpiCollectionsOf {
  constructor(readonly db: Db) {}

  /** The counter documents of one day (`yyyy-MM-dd`). */
  days(day: string): Collection<DayDoc> {
    return this.db.collection<DayDoc>(`${KpiCollections.daysPrefix}${suffix(day)}`);
  }
  /** The month rollups of one month (`yyyy-MM`). */
  months(month: string): Collection<MonthDoc> {
    return this.db.collection<MonthDoc>(`${KpiCollections.monthsPrefix}${suffix(month)}`);
  }
  /** The idempotency tokens of the events of one month (by the event's Vietnamese day). */
  applied(month: string): Collection<{ _id: string }> {
    return this.db.collection<{ _id: string }>(`${KpiCollections.appliedPrefix}${suffix(month)}`);
  }
  /** The open items (or, for `issued`, the tracks) first opened on one day. */
  items(day: string, id: string): Collection<OpenDoc> {
    return this.db.collection<OpenDoc>(
      `${isTrack(id) ? KpiCollections.tracksPrefix : KpiCollections.openPrefix}${suffix(day)}`,
    );
  }
  open(day: string): Collection<OpenDoc> {
    return this.db.collection<OpenDoc>(`${KpiCollections.openPrefix}${suffix(day)}`);
  }
  tracks(day: string): Collection<OpenDoc> {
    return this.db.collection<OpenDoc>(`${KpiCollections.tracksPrefix}${suffix(day)}`);
  }
  get index(): Collection<IndexDoc> {
    return this.db.collection<IndexDoc>(KpiCollections.openIndex);
  }
  get versions(): Collection<VersionsDoc> {
    return this.db.collection<VersionsDoc>(KpiCollections.versions);
  }

  /** Every collection name of the database (one round trip). */
  async names(): Promise<string[]> {
    return (await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  }
}

/** Periods (`yyyy-MM-dd` or `yyyy-MM`) of the partitions named `<prefix><yyyy>_<MM>[_<dd>]` among `names`. */
export function partitionsOf(names: readonly string[], prefix: string, unit: 'day' | 'month'): string[] {
  const pattern = unit === 'day' ? /^\d{4}_\d{2}_\d{2}$/ : /^\d{4}_\d{2}$/;
  return names
    .filter((n) => n.startsWith(prefix) && pattern.test(n.slice(prefix.length)))
    .map((n) => n.slice(prefix.length).replace(/_/g, '-'))
    .sort();
}
