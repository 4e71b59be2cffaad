import { perDatabase } from './per-database';

/**
 * Writes to one MongoDB document from this process, one after another.
 *
 * FerretDB v1 (the dev and test stack) applies an update by reading the document, changing it and writing it back,
 * with nothing guarding the gap: 20 concurrent `$inc` of one field on FerretDB 1.24/SQLite left it at 3 to 5
 * (measured). MongoDB applies each update atomically. Serialising the writes to one document inside the process
 * makes the dev stack lose nothing as long as one process writes a given document (one API, one worker); with
 * several writer processes, run on MongoDB.
 */
export class DocumentLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `write` after every earlier write of `key` from this process has settled. */
  async run<T>(key: string, write: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    this.tails.set(key, next);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === next) this.tails.delete(key);
    }
  }
}

/** The locks of one database, shared by every store object of this process that writes to it. */
export const documentLocks = perDatabase(() => new DocumentLocks());
