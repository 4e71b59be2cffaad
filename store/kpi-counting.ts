import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { mergeCountings, type CounterGroup, type Counting } from '../kpi/batch-effects';
import { dayDocId, monthDocId, type KpiEvent } from '../kpi/event-effects';
import { announcesDay } from '../kpi/freshness';
import { monthOf, vnDay } from '../kpi/period';
import { documentLocks } from './document-locks';
import { incrementCounter } from './kpi-counter-write';
import type { KpiCollectionsOf } from './kpi-documents';
import { duplicateIndexes, isDuplicateKey, isDuplicateKeyBatch, versionKey } from './kpi-documents';
import { GroupCommit } from './group-commit';

/** How a counting submitted to a store's group commit ended. */
export type CountingOutcome = 'counted' | 'counted-before';

/**
 * The counter side of the KPI store: idempotency tokens, `$inc` of the day and month documents, announcements of
 * writes to settled periods. Countings of different documents that arrive while a commit is in flight are written
 * together ({@link KpiCounting.count}): one token insert for all their events and one `$inc` per counter document,
 * however many countings touch it (at a busy agency, many documents move at once).
 */
export class KpiCounting {
  /**
   * This store's commits (not the database's, as the audit trail's are): a commit uses this store's clock for its
   * token slots and announcements. The exchange activities of a worker share one store, so they share its commits.
   */
  private readonly commits = new GroupCommit<Counting, CountingOutcome>((_key, batch) => this.commit(batch));

  constructor(
    private readonly db: Db,
    private readonly c: KpiCollectionsOf,
    private readonly clock: () => number,
  ) {}

  /**
   * Counts events of one document, appended together and counted for the first time, with whatever other countings
   * of this store go in the same commit. `counted-before`: some of its events had been counted already (a retried
   * activity, a rebuild in between), and nothing of this counting was written but tokens: count its events one by
   * one, each guarded by its token.
   */
  count(counting: Counting): Promise<CountingOutcome> {
    return this.commits.submit('all', counting);
  }

  private async commit(countings: Counting[]): Promise<CountingOutcome[]> {
    const fresh = await this.insertTokensOf(countings);
    const merged = mergeCountings(countings.filter((_, i) => fresh[i]));
    await Promise.all(merged.map((g) => this.increment(g.tokens, g, true)));
    await this.announceCounters(merged);
    return fresh.map((f) => (f ? 'counted' : 'counted-before'));
  }

  /** Inserts the tokens of every counting; false for a counting any of whose events was counted before. */
  private async insertTokensOf(countings: Counting[]): Promise<boolean[]> {
    const fresh = countings.map(() => true);
    const byMonth = new Map<string, { docs: { _id: string }[]; owners: number[] }>();
    countings.forEach((counting, owner) => {
      for (const e of counting.events) {
        const month = monthOf(vnDay(e.time));
        const entry = byMonth.get(month) ?? { docs: [], owners: [] };
        entry.docs.push({ _id: e.id });
        entry.owners.push(owner);
        byMonth.set(month, entry);
      }
    });
    for (const [month, { docs, owners }] of byMonth) {
      try {
        await this.c.applied(month).insertMany(docs, { ordered: false });
      } catch (err) {
        if (!isDuplicateKeyBatch(err)) throw err;
        const failed = duplicateIndexes(err);
        // A server that does not say which documents collided: every counting of the insert goes one by one.
        if (failed === undefined) for (const owner of owners) fresh[owner] = false;
        else for (const index of failed) fresh[owners[index]!] = false;
      }
    }
    return fresh;
  }

  /** Records that `event` is being counted; false when it was already (a retry). */
  async insertToken(event: KpiEvent): Promise<boolean> {
    try {
      await this.c.applied(monthOf(vnDay(event.time))).insertOne({ _id: event.id });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Adds a group's increments to its day document and to the month rollup. */
  async increment(tokens: readonly string[], g: CounterGroup, first: boolean): Promise<void> {
    const month = monthOf(g.day);
    const day = dayDocId(g.agency, g.day);
    const rollup = monthDocId(g.agency, month);
    const now = this.clock();
    const locks = documentLocks(this.db);
    await Promise.all([
      locks.run(`kpi-day:${day}`, () =>
        incrementCounter(
          this.c.days(g.day),
          day,
          tokens,
          g.dims,
          { agency: g.agency, day: g.day },
          first,
          now,
        ),
      ),
      locks.run(`kpi-month:${rollup}`, () =>
        incrementCounter(
          this.c.months(month),
          rollup,
          tokens,
          g.dims,
          { agency: g.agency, month },
          first,
          now,
        ),
      ),
    ]);
  }

  /** Announces the counter documents of settled days that `groups` changed. */
  async announceCounters(groups: readonly CounterGroup[]): Promise<void> {
    const now = this.clock();
    await this.announce(
      'c',
      groups.filter((g) => announcesDay(g.day, now)).map((g) => versionKey(g.day, g.agency)),
    );
  }

  /** Announces writes to settled periods (`c`: counters by `day|agency`, `o`: boards by `month|agency`). */
  async announce(field: 'c' | 'o', keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const $inc = Object.fromEntries(keys.map((k) => [`${field}.${k}`, 1]));
    await documentLocks(this.db).run('kpi-versions', () =>
      this.c.versions.updateOne(
        { _id: 'changes' },
        { $inc, $setOnInsert: { gen: randomUUID() } },
        { upsert: true },
      ),
    );
  }
}
