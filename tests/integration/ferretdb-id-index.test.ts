import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { testStack } from './helpers/stack-info';

/**
 * The dev stack's FerretDB (SQLite) must serve `_id` lookups from its `_id` index: unpatched, FerretDB v1.24 spells
 * the lookup differently from the index and SQLite scans the table instead (57 s for a missing audit event among
 * 10 million; scripts/lib/ferretdb-build.ts). FerretDB's `explain` reports SQLite's own query plan.
 */
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = new MongoClient(testStack().mongoUri);
  await client.connect();
  db = client.db(`lienthong_test_idindex_${randomUUID().slice(0, 8)}`);
  await db.collection('items').insertMany(
    Array.from({ length: 200 }, (_, i) => ({
      _id: `muc-${i}` as never,
      ten: 'Ủy ban nhân dân xã Tân Phú',
      i,
    })),
  );
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

const planOf = async (filter: Record<string, unknown>) => {
  const explained = await db.command({ explain: { find: 'items', filter } });
  return JSON.stringify(explained.queryPlanner);
};

describe('FerretDB on SQLite', () => {
  it('finds a document by _id through the _id index, not by scanning the table', async () => {
    expect(await planOf({ _id: 'muc-150' })).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
    // The same plan for an id that is not there: a miss must not read the table either.
    expect(await planOf({ _id: 'khong-co' })).toMatch(/USING INDEX/);
    // A filter on another field is still a scan (FerretDB v1 pushes down `_id` only): the stores rely on `_id`.
    expect(await planOf({ i: 150 })).not.toMatch(/USING INDEX/);
  });

  it('still answers lookups, updates and deletes by _id as before', async () => {
    const items = db.collection<{ _id: string; ten: string; i: number }>('items');
    expect(await items.findOne({ _id: 'muc-150' })).toMatchObject({
      ten: 'Ủy ban nhân dân xã Tân Phú',
      i: 150,
    });
    expect(await items.findOne({ _id: 'khong-co' })).toBeNull();
    expect((await items.updateOne({ _id: 'muc-7' }, { $inc: { i: 1000 } })).modifiedCount).toBe(1);
    expect((await items.findOne({ _id: 'muc-7' }))?.i).toBe(1007);
    expect((await items.deleteOne({ _id: 'muc-8' })).deletedCount).toBe(1);
    expect(await items.findOne({ _id: 'muc-8' })).toBeNull();
    await expect(items.insertOne({ _id: 'muc-9', ten: 'trùng', i: 0 })).rejects.toMatchObject({
      code: 11000,
    });
  });
});
