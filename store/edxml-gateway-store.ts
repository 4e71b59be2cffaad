import type { Db } from 'mongodb';

/**
 * What the edXML gateway sent to the national platform: a platform answers a document with a status naming only its
 * edXML DocumentId, so the gateway keeps which agency sent it under which lienthong id. Keyed by the DocumentId
 * (`<agency>,<date>,<number>/<notation>` is unique across the country), so the lookup is an `_id` read.
 */
export interface SentEdxml {
  documentId: string;
  /** The sending agency of the province. */
  agency: string;
  /** lienthong's id of the document (`Envelope.messageId`). */
  messageId: string;
  /** External recipients it was delivered to. */
  to: string[];
  at: string;
}

type Stored = SentEdxml & { _id: string };

export const EDXML_SENT_COLLECTION = 'edxml_sent';

export class EdxmlGatewayStore {
  constructor(private readonly db: Db) {}

  private get sent() {
    return this.db.collection<Stored>(EDXML_SENT_COLLECTION);
  }

  /** Records a delivery to `recipient` (idempotent: a resend adds nothing twice). */
  async recordSent(input: Omit<SentEdxml, 'to'> & { recipient: string }): Promise<void> {
    const { recipient, ...rest } = input;
    await this.sent.updateOne(
      { _id: input.documentId },
      { $setOnInsert: { ...rest }, $addToSet: { to: recipient } },
      { upsert: true },
    );
  }

  async findSent(documentId: string): Promise<SentEdxml | null> {
    const doc = await this.sent.findOne({ _id: documentId });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return rest;
  }
}
