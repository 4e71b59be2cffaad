import { createHash } from 'node:crypto';
import { MongoServerError, type Db, type Filter } from 'mongodb';
import { Collections } from '../schemas/constants';
import { AuditEventInputSchema, type AuditEvent, type AuditEventInput } from '../schemas/audit';
import { canonicalJson } from './canonical-json';
import { groupCommitOf } from './group-commit';
import { perDatabase } from './per-database';

/** prevHash of the first event of every agency chain. */
export const GENESIS_HASH = '0'.repeat(64);

interface AuditDoc extends AuditEvent {
  _id: string;
}

/** SHA-256 over the canonical JSON of everything in the event except `hash` itself. */
export function hashAuditEvent(event: Omit<AuditEvent, 'hash'>): string {
  const { id, time, agency, actor, type, documentId, details, seq, prevHash } = event;
  return createHash('sha256')
    .update(canonicalJson({ id, time, agency, actor, type, documentId, details, seq, prevHash }))
    .digest('hex');
}

function isDuplicateKey(err: unknown): err is MongoServerError {
  return err instanceof MongoServerError && err.code === 11000;
}

export interface ChainBreak {
  agency: string;
  seq: number;
  eventId?: string;
  reason: 'HASH_MISMATCH' | 'PREV_HASH_MISMATCH' | 'SEQUENCE_GAP' | 'TRUNCATED';
}

interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * The stored heads of every chain as this process wrote them (see `recordHead`): one `update` command carries the
 * heads of all chains that moved while the previous one was in flight.
 */
interface HeadWrites {
  written: Map<string, number>;
  wanted: Map<string, number>;
  inFlight?: Promise<void>;
}

const headWritesOf = perDatabase((): HeadWrites => ({ written: new Map(), wanted: new Map() }));

const knownHeadsOf = perDatabase(() => new Map<string, ChainHead>());

export interface ChainVerification {
  ok: boolean;
  checked: number;
  firstBreak: ChainBreak | null;
}

/**
 * The append-only audit trail: one hash chain per agency, no multi-document transactions.
 *
 * An append inserts the next event with `seq + 1` of the agency's head; the unique index on (agency, seq) makes two
 * concurrent appends collide, and the loser retries on the new head. The event id is the document `_id`, so a
 * retried write of the same event is a no-op that returns the stored event.
 *
 * The head (seq and hash of the last event) is remembered per agency in this process: finding it in the database
 * is a sorted query, which FerretDB answers only by reading the whole collection (it serves `_id` lookups alone
 * without a full pass), so an append that looked it up every time grew slower with every event ever audited. The
 * remembered head is only a guess: when another process appended meanwhile, the insert collides on (agency, seq)
 * and the head is read again from the database.
 */
export class AuditStore {
  constructor(private readonly db: Db) {}

  /**
   * Last event this process saw at the end of each agency's chain (see the class comment); shared by every
   * AuditStore of this database in the process (the API's and the worker's, say).
   */
  private get knownHeads(): Map<string, ChainHead> {
    return knownHeadsOf(this.db);
  }

  private get events() {
    return this.db.collection<AuditDoc>(Collections.auditEvents);
  }
  private get heads() {
    return this.db.collection<{ _id: string; seq: number }>(Collections.auditHeads);
  }

  /**
   * Appends an event to its agency's chain. Appends from this process are group-committed: one insert of every event
   * that arrived while the previous insert was in flight, whatever its chain, in arrival order (see `commitBatch`),
   * so a busy process costs one round trip per batch instead of one per event (a dispatch to ten recipients audits
   * on eleven chains at once). Collisions with other processes are retried.
   */
  async append(input: AuditEventInput): Promise<AuditEvent> {
    const event = AuditEventInputSchema.parse(input);
    const stored = await groupCommitOf<AuditEventInput, AuditEvent>(this.db, 'audit-chains', (_all, events) =>
      this.commitBatch(events),
    ).submit('every chain', event);
    await this.recordHead(stored.agency, stored.seq);
    return stored;
  }

  /**
   * Inserts a batch of events as the next links after the remembered heads of their chains, in one ordered insert.
   * When that collides (an event written before by a retried activity, or a link another process took), the insert
   * stops there and the events are settled one by one: those already stored are returned as stored, the rest
   * appended after a fresh head. Ordered, so no link is ever stored after one that failed.
   */
  private async commitBatch(events: AuditEventInput[]): Promise<AuditEvent[]> {
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    const heads = new Map<string, ChainHead | undefined>(
      await Promise.all(
        [...new Set(unique.map((e) => e.agency))].map(
          async (agency) => [agency, this.knownHeads.get(agency) ?? (await this.readHead(agency))] as const,
        ),
      ),
    );
    const links: AuditEvent[] = unique.map((event) => {
      const head = heads.get(event.agency);
      const body = {
        ...event,
        seq: head ? head.seq + 1 : 1,
        prevHash: head ? head.hash : GENESIS_HASH,
      };
      const full: AuditEvent = { ...body, hash: hashAuditEvent(body) };
      heads.set(event.agency, { seq: full.seq, hash: full.hash });
      return full;
    });
    let stored: AuditEvent[];
    try {
      await this.events.insertMany(
        links.map((full) => ({ _id: full.id, ...full })),
        { ordered: true },
      );
      for (const [agency, head] of heads) this.knownHeads.set(agency, head!);
      stored = links;
    } catch (err) {
      // Part of the batch may be stored: forget the heads and settle each event on its own.
      for (const agency of heads.keys()) this.knownHeads.delete(agency);
      if (!isDuplicateKey(err)) throw err;
      stored = [];
      for (const event of unique) stored.push((await this.get(event.id)) ?? (await this.appendNow(event)));
    }
    const byId = new Map(stored.map((e) => [e.id, e]));
    return events.map((e) => byId.get(e.id)!);
  }

  /**
   * Raises the stored head of a chain to at least `seq` before returning. The head only ever grows ($max): it lets
   * verify() notice events deleted from the end of a chain. Appends that wait while a head write is in flight share
   * the next one, whatever their chain: it writes the highest seq asked for of every chain in one `update` command,
   * so the heads cost one round trip per round trip, not one per event and chain (ten recipients' chains moved
   * together in the exchange benchmark, each its own write before).
   */
  private async recordHead(agency: string, seq: number): Promise<void> {
    const heads = headWritesOf(this.db);
    heads.wanted.set(agency, Math.max(heads.wanted.get(agency) ?? 0, seq));
    while ((heads.written.get(agency) ?? 0) < seq) {
      heads.inFlight ??= this.writeHeads(heads).finally(() => {
        heads.inFlight = undefined;
      });
      await heads.inFlight;
    }
  }

  /** Writes every wanted head above the written one, in one command. */
  private async writeHeads(heads: HeadWrites): Promise<void> {
    const targets = [...heads.wanted].filter(([agency, seq]) => seq > (heads.written.get(agency) ?? 0));
    if (targets.length === 0) return;
    await this.heads.bulkWrite(
      targets.map(([agency, seq]) => ({
        updateOne: { filter: { _id: agency }, update: { $max: { seq } }, upsert: true },
      })),
      { ordered: false },
    );
    for (const [agency, seq] of targets)
      heads.written.set(agency, Math.max(heads.written.get(agency) ?? 0, seq));
  }

  private async appendNow(event: AuditEventInput): Promise<AuditEvent> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const head = this.knownHeads.get(event.agency) ?? (await this.readHead(event.agency));
      const body = {
        ...event,
        documentId: event.documentId,
        seq: head ? head.seq + 1 : 1,
        prevHash: head ? head.hash : GENESIS_HASH,
      };
      const full: AuditEvent = { ...body, hash: hashAuditEvent(body) };
      try {
        await this.events.insertOne({ _id: full.id, ...full });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Either this event was written before (a retried activity: return it as stored) or another process took
        // this seq (read the head again).
        const existing = await this.events.findOne({ _id: event.id });
        if (existing) return strip(existing);
        this.knownHeads.delete(event.agency);
        continue;
      }
      this.knownHeads.set(full.agency, { seq: full.seq, hash: full.hash });
      return full;
    }
    throw new Error(`audit append for agency ${event.agency} kept colliding; giving up`);
  }

  /** The agency's last event in the database: a full pass on FerretDB, so only on a first append or a collision. */
  private async readHead(agency: string): Promise<ChainHead | undefined> {
    const last = await this.events.find({ agency }).sort({ seq: -1 }).limit(1).next();
    return last ? { seq: last.seq, hash: last.hash } : undefined;
  }

  async get(id: string): Promise<AuditEvent | null> {
    const doc = await this.events.findOne({ _id: id });
    return doc ? strip(doc) : null;
  }

  async list(
    filter: { documentId?: string; agency?: string; agencies?: string[] },
    limit = 500,
  ): Promise<AuditEvent[]> {
    const q: Filter<AuditDoc> = {};
    if (filter.documentId) q.documentId = filter.documentId;
    if (filter.agency) q.agency = filter.agency;
    if (filter.agencies) q.agency = { $in: filter.agencies };
    const docs = await this.events.find(q).sort({ time: 1, seq: 1 }).limit(limit).toArray();
    return docs.map(strip);
  }

  /**
   * An agency's chain from `fromSeq` to its head, in order: the links an evidence bundle carries to tie a
   * document's events to the head. A full pass on FerretDB; only bundles ask for it.
   */
  async chainFrom(agency: string, fromSeq: number): Promise<AuditEvent[]> {
    const docs = await this.events
      .find({ agency, seq: { $gte: fromSeq } })
      .sort({ seq: 1 })
      .toArray();
    return docs.map(strip);
  }

  /** Recomputes every chain: detects edited events (hash), deleted or reordered ones (seq gap, prevHash). */
  async verify(): Promise<ChainVerification> {
    let checked = 0;
    let firstBreak: ChainBreak | null = null;
    const heads = new Map((await this.heads.find().toArray()).map((h) => [h._id, h.seq]));
    const agencies = new Set([...((await this.events.distinct('agency')) as string[]), ...heads.keys()]);
    for (const agency of [...agencies].sort()) {
      let expectedSeq = 1;
      let prevHash = GENESIS_HASH;
      const cursor = this.events.find({ agency }).sort({ seq: 1 });
      for await (const doc of cursor) {
        checked++;
        if (firstBreak) continue;
        const { hash, ...rest } = strip(doc);
        if (doc.seq !== expectedSeq)
          firstBreak = { agency, seq: expectedSeq, eventId: doc.id, reason: 'SEQUENCE_GAP' };
        else if (doc.prevHash !== prevHash)
          firstBreak = { agency, seq: doc.seq, eventId: doc.id, reason: 'PREV_HASH_MISMATCH' };
        else if (hashAuditEvent(rest) !== hash)
          firstBreak = { agency, seq: doc.seq, eventId: doc.id, reason: 'HASH_MISMATCH' };
        expectedSeq = doc.seq + 1;
        prevHash = doc.hash;
      }
      const headSeq = heads.get(agency) ?? 0;
      if (!firstBreak && headSeq >= expectedSeq)
        firstBreak = { agency, seq: expectedSeq, reason: 'TRUNCATED' };
    }
    return { ok: firstBreak === null, checked, firstBreak };
  }
}

function strip(doc: AuditDoc): AuditEvent {
  const { _id, ...event } = doc;
  if (event.documentId === null) delete event.documentId;
  return event;
}
