import { MongoServerError, type Db, type Filter } from 'mongodb';
import {
  ExchangeCollections,
  type HistoryEntry,
  type SupersededBy,
  type VerificationSummary,
} from '../schemas/document';
import type { Envelope } from '../schemas/edxml';
import type { IncomingUpdate, IncomingView, OutgoingUpdate, OutgoingView } from '../schemas/read-models';
import { documentLocks } from './document-locks';

// The read-model shapes are in schemas/ (workflow-side code builds them); re-exported for the store's callers.
export type { IncomingUpdate, IncomingView, OutgoingUpdate, OutgoingView };

export interface DeadLetter {
  id: string;
  agency: string;
  subject: string;
  reason: string;
  deliveries: number;
  streamSeq?: number;
  msgId?: string;
  body: string;
  at: Date;
}

type Stored<T> = T & { _id: string };
const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

function strip<T>(doc: Stored<T> | null): T | null {
  if (!doc) return null;
  const { _id, ...rest } = doc as Stored<T> & Record<string, unknown>;
  return rest as unknown as T;
}

/** The exchange's read models (documents, inbox), verification reports and dead letters in MongoDB. */
export class DocumentStore {
  constructor(private readonly db: Db) {}

  private get outgoing() {
    return this.db.collection<Stored<OutgoingView>>(ExchangeCollections.documents);
  }
  private get incoming() {
    return this.db.collection<Stored<IncomingView>>(ExchangeCollections.incoming);
  }
  private get reports() {
    return this.db.collection<Stored<VerificationSummary & { agency: string }>>(
      ExchangeCollections.verificationReports,
    );
  }
  private get receivedEnvelopes() {
    return this.db.collection<{ _id: string; agency: string; envelope: Envelope }>(
      ExchangeCollections.receivedEnvelopes,
    );
  }
  private get deadLetters() {
    return this.db.collection<Stored<DeadLetter>>(ExchangeCollections.deadLetters);
  }

  /**
   * Stores a view unless a newer version is already stored, and appends its history entry in the same write, so
   * a reader never sees the view without its history. The entry is appended even when the view itself is older
   * than the stored one (then in a second write); `$addToSet` keeps a retried entry once.
   */
  private async saveVersioned<T extends { version: number }>(
    collection: ReturnType<Db['collection']>,
    id: string,
    view: T,
    entries: HistoryEntry | readonly HistoryEntry[] | undefined,
  ): Promise<void> {
    const list = entries === undefined ? [] : Array.isArray(entries) ? entries : [entries as HistoryEntry];
    const clean = list.map((entry) =>
      Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)),
    );
    await documentLocks(this.db).run(`${collection.collectionName}:${id}`, () =>
      this.writeVersioned(collection, id, view, clean),
    );
  }

  private async writeVersioned<T extends { version: number }>(
    collection: ReturnType<Db['collection']>,
    id: string,
    view: T,
    entries: Record<string, unknown>[],
  ): Promise<void> {
    // One entry is added as itself (the form every earlier write used); several in one $each.
    const history = entries.length === 1 ? entries[0] : { $each: entries };
    const addHistory = entries.length > 0 ? { $addToSet: { history } } : {};
    try {
      await collection.updateOne(
        { _id: id as never, version: { $lt: view.version } },
        { $set: view as Record<string, unknown>, ...addHistory },
        { upsert: true },
      );
    } catch (err) {
      // The upsert found a newer version already stored: only the history entries are still to be added.
      if (!isDuplicateKey(err)) throw err;
      if (entries.length > 0) await collection.updateOne({ _id: id as never }, addHistory);
    }
  }

  /** Stores the view unless a newer version is stored, and adds the history line(s) either way. */
  async saveOutgoing(view: OutgoingUpdate, entry?: HistoryEntry | readonly HistoryEntry[]): Promise<void> {
    await this.saveVersioned(this.outgoing as never, `${view.agency}:${view.id}`, view, entry);
  }

  /** The first of `agencies` holding document `id` (`_id` lookups only). */
  async getOutgoingAmong(agencies: readonly string[], id: string): Promise<OutgoingView | null> {
    for (const agency of agencies) {
      const doc = await this.getOutgoing(agency, id);
      if (doc) return doc;
    }
    return null;
  }

  async getOutgoing(agency: string, id: string): Promise<OutgoingView | null> {
    return strip(await this.outgoing.findOne({ _id: `${agency}:${id}` }));
  }

  /** A document by id whatever its agency (province-wide administration only). */
  async findOutgoingById(id: string): Promise<OutgoingView | null> {
    return strip(await this.outgoing.findOne({ id }));
  }

  /** Open documents of an agency matching a filter on the read model (leadership changes, migrations). */
  async findOutgoing(agency: string, filter: Filter<OutgoingView>): Promise<OutgoingView[]> {
    const docs = await this.outgoing
      .find({ ...(filter as Filter<Stored<OutgoingView>>), agency })
      .limit(1000)
      .toArray();
    return docs.map((d) => strip(d)!);
  }

  /** A page of an agency's documents; several agencies (a successor and those merged into it) read together. */
  async listOutgoing(
    agency: string | readonly string[],
    page: { limit: number; offset: number },
  ): Promise<{ items: OutgoingView[]; total: number }> {
    const q: Filter<Stored<OutgoingView>> =
      typeof agency === 'string' || agency.length === 1
        ? { agency: typeof agency === 'string' ? agency : agency[0] }
        : { agency: { $in: [...agency] } };
    const [docs, total] = await Promise.all([
      this.outgoing.find(q).sort({ createdAt: -1 }).skip(page.offset).limit(page.limit).toArray(),
      this.outgoing.countDocuments(q),
    ]);
    return { items: docs.map((d) => strip(d)!), total };
  }

  async saveIncoming(view: IncomingUpdate, entry?: HistoryEntry | readonly HistoryEntry[]): Promise<void> {
    await this.saveVersioned(this.incoming as never, `${view.agency}:${view.id}`, view, entry);
  }

  /** The first of `agencies` holding document `id` (`_id` lookups only). */
  async getIncomingAmong(agencies: readonly string[], id: string): Promise<IncomingView | null> {
    for (const agency of agencies) {
      const doc = await this.getIncoming(agency, id);
      if (doc) return doc;
    }
    return null;
  }

  async getIncoming(agency: string, id: string): Promise<IncomingView | null> {
    return strip(await this.incoming.findOne({ _id: `${agency}:${id}` }));
  }

  /** A page of an agency's documents; several agencies (a successor and those merged into it) read together. */
  async listIncoming(
    agency: string | readonly string[],
    page: { limit: number; offset: number },
  ): Promise<{ items: IncomingView[]; total: number }> {
    const q: Filter<Stored<IncomingView>> =
      typeof agency === 'string' || agency.length === 1
        ? { agency: typeof agency === 'string' ? agency : agency[0] }
        : { agency: { $in: [...agency] } };
    const [docs, total] = await Promise.all([
      this.incoming.find(q).sort({ receivedAt: -1 }).skip(page.offset).limit(page.limit).toArray(),
      this.incoming.countDocuments(q),
    ]);
    return { items: docs.map((d) => strip(d)!), total };
  }

  async countIncoming(filter: { agency?: string; messageId?: string }): Promise<number> {
    const q: Filter<Stored<IncomingView>> = {};
    if (filter.agency) q.agency = filter.agency;
    if (filter.messageId) q.messageId = filter.messageId;
    return this.incoming.countDocuments(q);
  }

  /**
   * Marks a document (or received copy) whose workflow has closed as superseded by a newer version, with its
   * history line; idempotent (a retry finds it superseded and changes nothing). Returns the view as it was, or
   * null when there is no such document.
   */
  async markSuperseded(
    side: 'outgoing' | 'incoming',
    agency: string,
    id: string,
    by: SupersededBy,
    entry: HistoryEntry,
  ): Promise<OutgoingView | IncomingView | null> {
    const collection = (side === 'outgoing' ? this.outgoing : this.incoming) as unknown as ReturnType<
      Db['collection']
    >;
    const _id = `${agency}:${id}`;
    return documentLocks(this.db).run(`${collection.collectionName}:${_id}`, async () => {
      const before = await collection.findOne({ _id: _id as never });
      if (!before) return null;
      await collection.updateOne(
        { _id: _id as never, supersededBy: { $exists: false } },
        {
          $set: { state: 'SUPERSEDED', supersededBy: by, updatedAt: entry.at },
          $inc: { version: 1 },
          $addToSet: { history: entry },
        },
      );
      return strip(before as never);
    });
  }

  /** Stores the verification report of an incoming document (idempotent: same id, same content). */
  async saveVerification(agency: string, id: string, summary: VerificationSummary): Promise<void> {
    await this.reports.updateOne(
      { _id: `${agency}:${id}` },
      { $set: { ...summary, agency } },
      { upsert: true },
    );
  }

  async getVerification(agency: string, id: string): Promise<VerificationSummary | null> {
    const doc = strip(await this.reports.findOne({ _id: `${agency}:${id}` }));
    if (!doc) return null;
    const { agency: _a, ...summary } = doc;
    return summary;
  }

  /**
   * Keeps the envelope a received copy arrived with (idempotent: the first one stays; a resend differs only in its
   * attempt and time), so the recipient can later show and prove what it received.
   */
  async saveReceivedEnvelope(agency: string, id: string, envelope: Envelope): Promise<void> {
    await this.receivedEnvelopes.updateOne(
      { _id: `${agency}:${id}` },
      { $setOnInsert: { agency, envelope } },
      { upsert: true },
    );
  }

  async getReceivedEnvelope(agency: string, id: string): Promise<Envelope | null> {
    return (await this.receivedEnvelopes.findOne({ _id: `${agency}:${id}` }))?.envelope ?? null;
  }

  /** A received copy by its sender's document id (`Envelope.messageId`) among `agencies`. */
  async findIncomingByMessageId(
    agencies: readonly string[],
    messageId: string,
  ): Promise<IncomingView | null> {
    return strip(await this.incoming.findOne({ agency: { $in: [...agencies] }, messageId }));
  }

  /** Records a message that can never be processed, for operators (idempotent by id). */
  async recordDeadLetter(letter: DeadLetter): Promise<void> {
    await this.deadLetters.updateOne({ _id: letter.id }, { $setOnInsert: letter }, { upsert: true });
  }

  async listDeadLetters(agency?: string): Promise<DeadLetter[]> {
    const docs = await this.deadLetters
      .find(agency ? { agency } : {})
      .sort({ at: -1 })
      .limit(500)
      .toArray();
    return docs.map((d) => strip(d)!);
  }
}
