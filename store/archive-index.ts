import type { Db } from 'mongodb';
import type { FileRef } from '../schemas/document';

/**
 * One exchanged document's archive copy: its newest file version (the dispatched B-LTA file, then each renewal) and
 * until when its newest document time-stamp can be validated. Written when the exchange adds the document
 * time-stamp, so finding the documents due for renewal never parses a stored PDF.
 */
export interface ArchiveEntry {
  /** The document's workflow id (`doc:<agency>:<id>`): one entry per document. */
  _id: string;
  agency: string;
  documentId: string;
  fileName: string;
  file: FileRef;
  /** Earliest notAfter of the certificates the newest document time-stamp carries; epoch 0 when unknown. */
  reliesUntil: Date;
  stampedAt: Date;
  renewals: number;
}

const DAY_MS = 86_400_000;

/** The `archive_timestamps` index (document → time-stamp expiry) behind the archive renewal. */
export class ArchiveIndex {
  constructor(private readonly db: Db) {}

  private get entries() {
    return this.db.collection<ArchiveEntry>('archive_timestamps');
  }

  /** Records a document's archive copy at issue (a retried signing activity overwrites with its own result). */
  async record(entry: Omit<ArchiveEntry, 'renewals'>): Promise<void> {
    await this.entries.replaceOne({ _id: entry._id }, { ...entry, renewals: 0 }, { upsert: true });
  }

  async get(id: string): Promise<ArchiveEntry | null> {
    return this.entries.findOne({ _id: id });
  }

  /**
   * Up to `limit` documents whose time-stamp relies on certificates ending within `windowDays` of `now`, the most
   * urgent first. A full pass on FerretDB (one small entry per exchanged document), bounded by the page.
   */
  async due(now: Date, windowDays: number, limit: number): Promise<ArchiveEntry[]> {
    const horizon = new Date(now.getTime() + windowDays * DAY_MS);
    return this.entries
      .find({ reliesUntil: { $lte: horizon } })
      .sort({ reliesUntil: 1 })
      .limit(limit)
      .toArray();
  }

  /**
   * Moves the entry to its renewed file, only if it still names `previous` (two overlapping runs renew a document
   * once). Returns false when another run got there first.
   */
  async renewed(
    id: string,
    previous: FileRef,
    next: { file: FileRef; reliesUntil: Date; stampedAt: Date },
  ): Promise<boolean> {
    const r = await this.entries.updateOne(
      { _id: id, 'file.sha256': previous.sha256 },
      { $set: next, $inc: { renewals: 1 } },
    );
    return r.modifiedCount === 1;
  }
}
