import type { Db } from 'mongodb';
import { hotDays, hotMonths } from '../kpi/freshness';
import { addDays, addMonths, lastDayOfMonth, monthOf, type DayRange } from '../kpi/period';
import { unescapeKey, type OpenItem } from '../kpi/event-effects';
import { KpiCollections } from '../schemas/kpi';
import { sumInto } from '../kpi/compute';
import { fromOpenDoc, KpiCollectionsOf, partitionsOf, type DayDoc, type MonthDoc } from './kpi-documents';
import { TOKEN_FIELDS } from './kpi-counter-write';

/** Counters of one agency on one day (or, for a whole settled month, its rollup dated the 1st). */
export interface DayCounterRow {
  agency: string;
  day: string;
  c: Record<string, number>;
}

const NO_TOKENS = { projection: TOKEN_FIELDS } as const;

const dayRow = (d: DayDoc): DayCounterRow => ({ agency: d.agency, day: d.day, c: d.c ?? {} });
const monthRow = (m: MonthDoc): DayCounterRow => ({ agency: m.agency, day: `${m.month}-01`, c: m.c ?? {} });

/**
 * The KPI documents of settled periods, kept in this process, refreshed only where a write was announced.
 *
 * A dashboard query costs one lookup of the versions document, a scan of the hot partitions (today's counters,
 * at most 25 small documents; the items opened today and still open) and a lookup of whatever was announced since
 * the previous query: it does not grow with history. A settled partition is read once, the first time a query needs
 * it. Periods after the hot window (clocks set ahead, in tests) are never kept. See kpi/freshness.ts for why this is
 * safe across processes.
 */
export class KpiReadModel {
  private readonly c: KpiCollectionsOf;
  private gen: string | undefined;
  private seen = { c: new Map<string, number>(), o: new Map<string, number>() };
  private readonly days = new Map<string, Map<string, DayCounterRow>>();
  private readonly rollups = new Map<string, Map<string, DayCounterRow>>();
  /** Open items per partition day; `undefined` until the partitions were listed. */
  private open: Map<string, OpenItem[] | undefined> | undefined;
  /** The refresh running now, and the one that callers arriving meanwhile share (it starts after it). */
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** Sums of the settled days of part of a month per agency (`from|to` → rows), dropped at any counter change. */
  private readonly sums = new Map<string, DayCounterRow[]>();
  /** Bumped whenever a refresh finds a partition changed: a scan that overlapped it must not be kept. */
  private readonly epochs = new Map<string, number>();

  constructor(
    db: Db,
    private readonly clock: () => number,
  ) {
    this.c = new KpiCollectionsOf(db);
  }

  /**
   * Resolves once a refresh that started after this call has completed, so every write that completed before the
   * call is seen. Concurrent callers share one refresh (a summary reads counters and open items side by side).
   */
  private refreshed(): Promise<void> {
    if (!this.running) return (this.running = this.refreshOnce());
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return (this.running = this.refreshOnce());
      });
    return this.next;
  }

  private async refreshOnce(): Promise<void> {
    try {
      await this.refresh();
    } finally {
      this.running = undefined;
    }
  }

  private dropSums(): void {
    this.sums.clear();
    this.bump('sums');
  }

  private bump(partition: string): void {
    this.epochs.set(partition, (this.epochs.get(partition) ?? 0) + 1);
  }

  /** Reads a partition and keeps it if `keep` and no refresh found it changed during the read. */
  private async load<T>(
    partition: string,
    keep: boolean,
    read: () => Promise<T>,
    store: (v: T) => void,
  ): Promise<T> {
    const epoch = this.epochs.get(partition);
    const value = await read();
    if (keep && this.epochs.get(partition) === epoch) store(value);
    return value;
  }

  private forget(): void {
    for (const partition of this.epochs.keys()) this.bump(partition);
    this.dropSums();
    this.seen = { c: new Map(), o: new Map() };
    this.days.clear();
    this.rollups.clear();
    this.open = undefined;
  }

  /** Applies what the versions document announced since the last read. */
  private async refresh(): Promise<void> {
    const v = await this.c.versions.findOne({ _id: 'changes' });
    // No versions document (a database never set up by `ensureIndexes`, or dropped): nothing can be trusted.
    if (!v || v.gen !== this.gen) {
      this.forget();
      this.gen = v?.gen;
      for (const [k, n] of Object.entries(v?.c ?? {})) this.seen.c.set(k, n);
      for (const [k, n] of Object.entries(v?.o ?? {})) this.seen.o.set(k, n);
      return;
    }
    const fetches: Promise<void>[] = [];
    for (const [key, n] of changed(this.seen.c, v.c)) {
      this.seen.c.set(key, n);
      const [day, agency] = splitKey(key);
      this.bump(`d:${day}`);
      this.bump(`m:${monthOf(day)}`);
      this.dropSums();
      fetches.push(this.refetchCounters(day, agency));
    }
    for (const [key, n] of changed(this.seen.o, v.o)) {
      this.seen.o.set(key, n);
      const [day] = splitKey(key);
      this.bump(`o:${day}`);
      // Read the partition again when next needed (a few small documents).
      this.open?.set(day, undefined);
    }
    await Promise.all(fetches);
  }

  private async refetchCounters(day: string, agency: string): Promise<void> {
    const month = monthOf(day);
    const days = this.days.get(day);
    const rollups = this.rollups.get(month);
    const [d, m] = await Promise.all([
      days ? this.c.days(day).findOne({ _id: `${agency}|${day}` }, NO_TOKENS) : null,
      rollups ? this.c.months(month).findOne({ _id: `${agency}|${month}` }, NO_TOKENS) : null,
    ]);
    if (days && d) days.set(d._id, dayRow(d));
    if (rollups && m) rollups.set(m._id, monthRow(m));
  }

  private async scanDay(day: string): Promise<Map<string, DayCounterRow>> {
    return new Map((await this.c.days(day).find({}, NO_TOKENS).toArray()).map((d) => [d._id, dayRow(d)]));
  }

  /** The counter rows of a settled day, read once. */
  private async dayRows(day: string): Promise<Iterable<DayCounterRow>> {
    const kept = this.days.get(day);
    if (kept) return kept.values();
    const rows = await this.load(
      `d:${day}`,
      true,
      () => this.scanDay(day),
      (r) => this.days.set(day, r),
    );
    return rows.values();
  }

  /**
   * The counters of settled days `from`..`to` (one month) summed per agency, as rows dated `from`: what the KPIs
   * need (totals, and months for the trend) in one row per agency instead of one per agency and day.
   */
  private async settledSums(from: string, to: string): Promise<DayCounterRow[]> {
    const key = `${from}|${to}`;
    const kept = this.sums.get(key);
    if (kept) return kept;
    const days: string[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
    return this.load(
      'sums',
      true,
      async () => {
        const byAgency = new Map<string, DayCounterRow>();
        for (const rows of await Promise.all(days.map((d) => this.dayRows(d))))
          for (const r of rows) {
            let sum = byAgency.get(r.agency);
            if (!sum) byAgency.set(r.agency, (sum = { agency: r.agency, day: from, c: {} }));
            sumInto(sum.c, r.c);
          }
        return [...byAgency.values()];
      },
      (rows) => this.sums.set(key, rows),
    );
  }

  private async monthRows(month: string): Promise<Iterable<DayCounterRow>> {
    const kept = this.rollups.get(month);
    if (kept) return kept.values();
    const rows = await this.load(
      `m:${month}`,
      true,
      async () =>
        new Map((await this.c.months(month).find({}, NO_TOKENS).toArray()).map((m) => [m._id, monthRow(m)])),
      (r) => this.rollups.set(month, r),
    );
    return rows.values();
  }

  /**
   * Counters of `range`, optionally of some agencies only: whole months before the hot ones from the rollups, other
   * days from the day documents.
   */
  async dayCounters(range: DayRange, agencies?: readonly string[]): Promise<DayCounterRow[]> {
    const now = this.clock();
    const hot = hotDays(now);
    const firstHot = [...hot].sort()[0];
    const firstHotMonth = [...hotMonths(now)].sort()[0];
    const refreshed = this.refreshed();
    // Days from the hot window on are never kept: their reads start at once, beside the refresh.
    const fresh: Promise<Iterable<DayCounterRow>>[] = [];
    const settled: (() => Promise<Iterable<DayCounterRow>>)[] = [];
    for (let m = monthOf(range.from); m <= monthOf(range.to); m = addMonths(m, 1)) {
      const first = `${m}-01`;
      const last = lastDayOfMonth(m);
      if (first >= range.from && last <= range.to && m < firstHotMonth) {
        settled.push(() => this.monthRows(m));
        continue;
      }
      const from = range.from > first ? range.from : first;
      const to = range.to < last ? range.to : last;
      const lastSettled = to < firstHot ? to : addDays(firstHot, -1);
      if (from <= lastSettled) settled.push(() => this.settledSums(from, lastSettled));
      for (let d = from > lastSettled ? from : addDays(lastSettled, 1); d <= to; d = addDays(d, 1))
        fresh.push(this.scanDay(d).then((rows) => rows.values()));
    }
    await refreshed;
    const wanted = agencies && new Set(agencies);
    const rows: DayCounterRow[] = [];
    for (const part of await Promise.all([...fresh, ...settled.map((read) => read())]))
      for (const r of part) if (!wanted || wanted.has(r.agency)) rows.push(r);
    return rows;
  }

  /** Items open now, optionally of some agencies only. */
  async openItems(agencies?: readonly string[]): Promise<OpenItem[]> {
    const hot = hotDays(this.clock());
    const firstHot = [...hot].sort()[0];
    const scan = async (day: string) => (await this.c.open(day).find({}).toArray()).map(fromOpenDoc);
    // The hot partitions are never kept: their reads start at once, beside the refresh.
    const hotScans = new Map([...hot].map((d) => [d, scan(d)]));
    await this.refreshed();
    const open = (this.open ??= await this.listOpenPartitions());
    for (const d of hot) if (!open.has(d)) open.set(d, undefined);
    const lists = await Promise.all(
      [...open].map(
        ([day, kept]) =>
          hotScans.get(day) ??
          kept ??
          // Days after the hot window (clocks set ahead) are read afresh every time too.
          this.load(
            `o:${day}`,
            day < firstHot,
            () => scan(day),
            (items) => open.set(day, items),
          ),
      ),
    );
    const wanted = agencies && new Set(agencies);
    const items: OpenItem[] = [];
    for (const list of lists) for (const i of list) if (!wanted || wanted.has(i.agency)) items.push(i);
    return items;
  }

  /** Every open-item partition, none read yet. */
  private async listOpenPartitions(): Promise<Map<string, OpenItem[] | undefined>> {
    const names = await this.c.names();
    return new Map(partitionsOf(names, KpiCollections.openPrefix, 'day').map((d) => [d, undefined]));
  }
}

/** Entries of `now` whose count differs from `seen` (entries gone from `now` count as 0). */
function changed(seen: Map<string, number>, now: Record<string, number> | undefined): [string, number][] {
  const out: [string, number][] = [];
  const current = now ?? {};
  for (const [k, n] of Object.entries(current)) if (seen.get(k) !== n) out.push([k, n]);
  for (const k of seen.keys()) if (!(k in current)) out.push([k, 0]);
  return out;
}

/** `period|escapedAgency` → [period, agency]. */
function splitKey(key: string): [string, string] {
  const i = key.indexOf('|');
  return [key.slice(0, i), unescapeKey(key.slice(i + 1))];
}

const models = new WeakMap<Db, KpiReadModel>();

/** The read model of one database, shared by every KPI store object of this process. */
export function kpiReadModel(db: Db, clock: () => number = Date.now): KpiReadModel {
  let m = models.get(db);
  if (!m) models.set(db, (m = new KpiReadModel(db, clock)));
  return m;
}
