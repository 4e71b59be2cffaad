import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { ensureIndexes } from '../../infra/mongo';
import { ExchangeCollections } from '../../schemas/document';
import { Collections } from '../../schemas/constants';
import { LoginAttempts } from '../../store/login-attempts';
import { RegisterStore, registerId } from '../../store/register-store';
import { testStack } from './helpers/stack-info';

let client: MongoClient;
let db: Db;
const now = new Date('2026-05-04T03:00:00Z');

beforeAll(async () => {
  client = await MongoClient.connect(testStack().mongoUri, { ignoreUndefined: true });
  db = client.db(`lienthong_register_${randomUUID().slice(0, 8)}`);
  await ensureIndexes(db);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

describe('document registers', () => {
  it('numbers documents gap-free under concurrent assignment, once per document however often asked', async () => {
    const store = new RegisterStore(db);
    const register = registerId('000.01.01.H29', 'outgoing', 2026);
    const keys = Array.from({ length: 12 }, (_, i) => `doc-${i}`);
    const first = await Promise.all(keys.map((k) => store.assign(register, k, now)));
    expect(first.map((a) => a.number).sort((a, b) => a - b)).toEqual(keys.map((_, i) => i + 1));
    const again = await Promise.all(keys.map((k) => new RegisterStore(db).assign(register, k, now)));
    expect(again.map((a) => a.number)).toEqual(first.map((a) => a.number));
    expect(await db.collection(ExchangeCollections.registerEntries).countDocuments({ register })).toBe(12);
  });

  it('recovers after a crash between the entry and its hints', async () => {
    const store = new RegisterStore(db);
    const register = registerId('000.00.32.H29', 'outgoing', 2026);
    await store.assign(register, 'a', now);
    // As if the process died right after inserting entry 2: no counter raise, no key document.
    await db
      .collection(ExchangeCollections.registerEntries)
      .insertOne({ _id: `${register}:2` as never, register, number: 2, documentKey: 'b', assignedAt: now });
    expect((await store.assign(register, 'b', now)).number).toBe(2);
    expect((await store.assign(register, 'c', now)).number).toBe(3);
    expect((await store.find(register, 'b'))?.number).toBe(2);
  });

  it('refuses a claimed number another document holds', async () => {
    const store = new RegisterStore(db);
    const register = registerId('000.00.33.H29', 'incoming', 2026);
    await store.claim(register, 'x', 7, now);
    await expect(store.claim(register, 'y', 7, now)).rejects.toMatchObject({ code: 'NUMBER_TAKEN' });
    expect((await store.assign(register, 'z', now)).number).toBe(8);
  });
});

describe('login attempt windows', () => {
  it('counts simultaneous first attempts without failing one of them', async () => {
    const attempts = new LoginAttempts(db, 60);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => attempts.hit('ip:10.0.0.9', 100, now)),
    );
    expect(results.every((r) => r.allowed)).toBe(true);
    const docs = await db.collection(Collections.loginAttempts).find({}).toArray();
    expect(docs.find((d) => String(d._id).startsWith('ip:10.0.0.9@'))?.count).toBe(20);
  });
});
