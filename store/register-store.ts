import { MongoServerError, type Db } from 'mongodb';
import { ExchangeCollections } from '../schemas/document';
import { LienthongError } from '../schemas/errors';

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
 */
export class RegisterStore {
  constructor(private readonly db: Db) {}

  private get entries() {
    return this.db.collection<EntryDoc>(ExchangeCollections.registerEntries);
  }
  private get counters() {
    return this.db.collection<{ _id: string; last: number }>(ExchangeCollections.registerCounters);
  }

  async find(register: string, documentKey: string): Promise<RegisterAssignment | null> {
    const doc = await this.entries.findOne({ register, documentKey });
    return doc ? strip(doc) : null;
  }

  /** The next free number for `documentKey`, or the one it already holds (idempotent). */
  async assign(register: string, documentKey: string, now: Date): Promise<RegisterAssignment> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const existing = await this.find(register, documentKey);
      if (existing) return existing;
      const counter = await this.counters.findOne({ _id: register });
      let candidate = (counter?.last ?? 0) + 1;
      // The counter may lag behind after a crash between insert and $max: skip taken slots.
      const highest = await this.entries.find({ register }).sort({ number: -1 }).limit(1).next();
      if (highest && highest.number >= candidate) candidate = highest.number + 1;
      const entry: EntryDoc = {
        _id: `${register}:${candidate}`,
        register,
        number: candidate,
        documentKey,
        assignedAt: now,
      };
      try {
        await this.entries.insertOne(entry);
        await this.counters.updateOne({ _id: register }, { $max: { last: candidate } }, { upsert: true });
        return strip(entry);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Either another document took this number or a concurrent retry of ours won: loop and look again.
      }
    }
    throw new Error(`register ${register} kept colliding; giving up`);
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
      await this.counters.updateOne({ _id: register }, { $max: { last: number } }, { upsert: true });
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
