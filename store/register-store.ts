import { MongoServerError, type Db } from 'mongodb';
import { ExchangeCollections } from '../schemas/document';
import { LienthongError } from '../schemas/errors';
import { documentLocks } from './document-locks';

/** Outgoing register ("sổ văn bản đi") or incoming register ("sổ văn bản đến"). */
export type RegisterKind = 'outgoing' | 'incoming';

export interface RegisterAssignment {
  register: string;
  number: number;
  documentKey: string;
  assignedAt: Date;
}

interface EntryDoc extends RegisterAssignment {
  _id: string;
}

/** Which number a document holds, found by `_id` (see RegisterStore). */
interface KeyDoc {
  _id: string;
  number: number;
  assignedAt: Date;
}

const keyId = (register: string, documentKey: string) => `${register}|${documentKey}`;

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/** Register id: one register per agency, kind and year. */
export function registerId(agency: string, kind: RegisterKind, year: number): string {
  return `${agency}:${kind}:${year}`;
}

/**
 * Document numbers from an agency's register: unique per (agency, kind, year), gap-free, and never reused.
 *
 * No transactions: the entry `{_id: register:number}` *is* the assignment, and a unique index on
 * (register, documentKey) lets one document hold one number. A number comes into existence only by inserting its
 * entry at `counter + 1` where the counter (a hint, raised with `$max` after the insert) never exceeds the highest
 * entry, so numbers are consecutive. A retry for the same document finds its entry and returns it.
 *
 * The usual path reads and writes by `_id` only (FerretDB serves nothing else without a pass over the whole
 * collection, and a province-year holds hundreds of thousands of entries): a key document `{_id: register|key}`,
 * written after the entry, answers a retry; the queries by (register, documentKey) and by highest number run only
 * when an insert collides, that is after a crash or when another process took the number.
 */
export class RegisterStore {
  constructor(private readonly db: Db) {}

  private get entries() {
    return this.db.collection<EntryDoc>(ExchangeCollections.registerEntries);
  }
  private get counters() {
    return this.db.collection<{ _id: string; last: number }>(ExchangeCollections.registerCounters);
  }
  private get keys() {
    return this.db.collection<KeyDoc>(ExchangeCollections.registerKeys);
  }

  async find(register: string, documentKey: string): Promise<RegisterAssignment | null> {
    const known = await this.keys.findOne({ _id: keyId(register, documentKey) });
    if (known) return { register, number: known.number, documentKey, assignedAt: known.assignedAt };
    const doc = await this.entries.findOne({ register, documentKey });
    return doc ? strip(doc) : null;
  }

  /**
   * The next free number for `documentKey`, or the one it already holds (idempotent). Assignments of one register
   * from this process run one after another: concurrent ones would collide on the same candidate, and each
   * collision costs the queries that read the whole register.
   */
  async assign(register: string, documentKey: string, now: Date): Promise<RegisterAssignment> {
    return documentLocks(this.db).run(`register:${register}`, () =>
      this.assignNow(register, documentKey, now),
    );
  }

  private async assignNow(register: string, documentKey: string, now: Date): Promise<RegisterAssignment> {
    const known = await this.keys.findOne({ _id: keyId(register, documentKey) });
    if (known) return { register, number: known.number, documentKey, assignedAt: known.assignedAt };
    let candidate = ((await this.counters.findOne({ _id: register }))?.last ?? 0) + 1;
    for (let attempt = 0; attempt < 100; attempt++) {
      const entry: EntryDoc = {
        _id: `${register}:${candidate}`,
        register,
        number: candidate,
        documentKey,
        assignedAt: now,
      };
      try {
        await this.entries.insertOne(entry);
        await this.remember(entry);
        return strip(entry);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      // Either this document holds a number already (a retry after a crash) or the number is taken (another
      // process, or a counter that lagged behind after a crash between insert and $max).
      const existing = await this.entries.findOne({ register, documentKey });
      if (existing) {
        await this.remember(existing);
        return strip(existing);
      }
      const highest = await this.entries.find({ register }).sort({ number: -1 }).limit(1).next();
      candidate = Math.max(candidate, highest?.number ?? 0) + 1;
    }
    throw new Error(`register ${register} kept colliding; giving up`);
  }

  /** Raises the counter hint and writes the key document of an entry (both idempotent). */
  private async remember(entry: EntryDoc): Promise<void> {
    await Promise.all([
      this.counters.updateOne({ _id: entry.register }, { $max: { last: entry.number } }, { upsert: true }),
      this.keys.updateOne(
        { _id: keyId(entry.register, entry.documentKey) },
        { $setOnInsert: { number: entry.number, assignedAt: entry.assignedAt } },
        { upsert: true },
      ),
    ]);
  }

  /**
   * Registers an explicitly given number (an incoming number typed by the clerk).
   * @throws LienthongError NUMBER_TAKEN when another document already holds it.
   */
  async claim(register: string, documentKey: string, number: number, now: Date): Promise<RegisterAssignment> {
    const existing = await this.find(register, documentKey);
    if (existing) return existing;
    try {
      const entry: EntryDoc = {
        _id: `${register}:${number}`,
        register,
        number,
        documentKey,
        assignedAt: now,
      };
      await this.entries.insertOne(entry);
      await this.remember(entry);
      return strip(entry);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const again = await this.find(register, documentKey);
      if (again) return again;
      throw new LienthongError('NUMBER_TAKEN', `number ${number} is already used in register ${register}`);
    }
  }

  async list(register: string): Promise<RegisterAssignment[]> {
    return (await this.entries.find({ register }).sort({ number: 1 }).toArray()).map(strip);
  }
}

function strip(doc: EntryDoc): RegisterAssignment {
  const { _id, ...rest } = doc;
  return rest;
}
