import { MongoClient, type Db } from 'mongodb';
import { Collections } from '../schemas/constants';
import { ExchangeCollections } from '../schemas/document';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** Connects with the official driver; works unchanged against MongoDB 7 and FerretDB v1. */
export async function connectMongo(uri: string, dbName: string): Promise<MongoHandle> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    appName: 'lienthong',
    ignoreUndefined: true,
  });
  await client.connect();
  const db = client.db(dbName);
  return { client, db, close: () => client.close() };
}

/** Creates the indexes every collection relies on (idempotent). Only features FerretDB v1 supports. */
export async function ensureIndexes(db: Db): Promise<void> {
  await db.collection(Collections.agencies).createIndex({ parent: 1 });
  await db.collection(Collections.users).createIndex({ agency: 1 });
  await db.collection(Collections.auditEvents).createIndex({ agency: 1, seq: 1 }, { unique: true });
  await db.collection(Collections.auditEvents).createIndex({ documentId: 1, time: 1 });
  await db.collection(Collections.loginAttempts).createIndex({ expiresAt: 1 });
  // Exchange: one number per document in a register (the unique index is what makes numbering safe).
  await db
    .collection(ExchangeCollections.registerEntries)
    .createIndex({ register: 1, documentKey: 1 }, { unique: true });
  await db.collection(ExchangeCollections.registerEntries).createIndex({ register: 1, number: 1 });
  await db.collection(ExchangeCollections.documents).createIndex({ agency: 1, createdAt: -1 });
  await db.collection(ExchangeCollections.incoming).createIndex({ agency: 1, receivedAt: -1 });
  await db.collection(ExchangeCollections.deadLetters).createIndex({ agency: 1, at: -1 });
  await db.collection(ExchangeCollections.notifications).createIndex({ username: 1, at: -1 });
}
