import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { ExchangeCollections, type Notification, type NotificationKind } from '../schemas/document';

type Stored = Notification & { _id: string };

/**
 * Notices to the people who hold a document (worked on it or were assigned it) when it is recalled or superseded.
 * One per (event, person): the id is derived from the event key and the username, so a retried activity notifies
 * once.
 */
export class NotificationStore {
  constructor(private readonly db: Db) {}

  private get notifications() {
    return this.db.collection<Stored>(ExchangeCollections.notifications);
  }

  async notify(input: {
    key: string;
    usernames: string[];
    agency: string;
    kind: NotificationKind;
    documentId: string;
    message: string;
    at: string;
  }): Promise<number> {
    const users = [...new Set(input.usernames)];
    for (const username of users) {
      const id = createHash('sha256').update(`${input.key}\n${username}`).digest('hex').slice(0, 32);
      const doc: Stored = {
        _id: id,
        id,
        username,
        agency: input.agency,
        kind: input.kind,
        documentId: input.documentId,
        message: input.message,
        at: input.at,
        read: false,
      };
      await this.notifications.updateOne({ _id: id }, { $setOnInsert: doc }, { upsert: true });
    }
    return users.length;
  }

  async list(username: string, options: { unreadOnly?: boolean; limit: number }): Promise<Notification[]> {
    const docs = await this.notifications
      .find({ username, ...(options.unreadOnly ? { read: false } : {}) })
      .sort({ at: -1 })
      .limit(options.limit)
      .toArray();
    return docs.map(({ _id, ...rest }) => rest);
  }

  async countUnread(username: string): Promise<number> {
    return this.notifications.countDocuments({ username, read: false });
  }

  /** Marks one of the user's notifications read; false when the user has no such notification. */
  async markRead(username: string, id: string): Promise<boolean> {
    const res = await this.notifications.updateOne({ _id: id, username }, { $set: { read: true } });
    return res.matchedCount === 1;
  }
}
