import { MongoServerError, type Db, type Filter } from 'mongodb';
import { KpiCollections } from '../schemas/kpi';
import { paperDocumentId, type PaperDocument, type RegisterPaperDocument } from '../schemas/paper-document';

interface PaperDoc extends Omit<PaperDocument, 'id' | 'fromName'> {
  _id: string;
}

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/**
 * Registered paper documents. The id is (sender, date, number), so a second registration of the same document is
 * a duplicate-key insert: refused atomically, without a read first.
 */
export class PaperDocumentStore {
  constructor(private readonly db: Db) {}

  private get docs() {
    return this.db.collection<PaperDoc>(KpiCollections.paperDocuments);
  }

  async ensureIndexes(): Promise<void> {
    await this.docs.createIndex({ from: 1, date: -1 });
    await this.docs.createIndex({ to: 1, date: -1 });
  }

  /** Inserts a registration; returns `{ created: false, existing }` when the document is already registered. */
  async register(
    body: RegisterPaperDocument,
    by: { username: string; agency: string },
    now: Date,
  ): Promise<{ created: true; document: PaperDocument } | { created: false; existing: PaperDocument }> {
    const id = paperDocumentId(body.from, body.date, body.number);
    const doc: PaperDoc = {
      _id: id,
      direction: body.direction,
      from: body.from,
      to: body.to,
      number: body.number,
      notation: body.notation,
      date: body.date,
      type: body.type,
      subject: body.subject,
      alsoElectronic: body.alsoElectronic ?? false,
      registeredBy: by.username,
      registeredByAgency: by.agency,
      registeredAt: now.toISOString(),
    };
    try {
      await this.docs.insertOne(doc);
      return { created: true, document: toView(doc) };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await this.docs.findOne({ _id: id });
      return { created: false, existing: toView(existing ?? doc) };
    }
  }

  async get(id: string): Promise<PaperDocument | null> {
    const doc = await this.docs.findOne({ _id: id });
    return doc ? toView(doc) : null;
  }

  /** An agency's paper registers: documents it sent, received, or both; newest first. */
  async list(q: {
    agency?: string;
    register?: 'sent' | 'received';
    from?: string;
    to?: string;
    limit: number;
    offset: number;
  }): Promise<{ items: PaperDocument[]; total: number }> {
    const filter: Filter<PaperDoc> = {};
    if (q.agency) {
      if (q.register === 'sent') filter.from = q.agency;
      else if (q.register === 'received') filter.to = q.agency;
      else filter.$or = [{ from: q.agency }, { to: q.agency }];
    }
    if (q.from || q.to)
      filter.date = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) };
    const [docs, total] = await Promise.all([
      this.docs.find(filter).sort({ date: -1, _id: 1 }).skip(q.offset).limit(q.limit).toArray(),
      this.docs.countDocuments(filter),
    ]);
    return { items: docs.map(toView), total };
  }
}

function toView(doc: PaperDoc): PaperDocument {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest };
}
