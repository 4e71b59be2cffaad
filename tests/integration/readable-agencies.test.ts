import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { ensureIndexes } from '../../infra/mongo';
import { IdentityAdminStore, readableAgencies } from '../../store/identity-admin';
import { IdentityStore } from '../../store/identity-store';
import { DEMO_AGENCIES } from '../../store/demo-province';
import { testStack } from './helpers/stack-info';

// Two clients stand for two processes (an API and a worker, or two APIs): each caches the merger map on its own.
let clients: MongoClient[];
let here: Db;
let there: Db;

const PROVINCE = DEMO_AGENCIES.find((a) => a.level === 'province')!;
const communes = DEMO_AGENCIES.filter((a) => a.level === 'commune').slice(0, 2);

beforeAll(async () => {
  clients = await Promise.all(
    [0, 1].map(() => MongoClient.connect(testStack().mongoUri, { ignoreUndefined: true })),
  );
  const name = `lienthong_readable_${randomUUID().slice(0, 8)}`;
  here = clients[0]!.db(name);
  there = clients[1]!.db(name);
  await ensureIndexes(here);
  const identity = new IdentityStore(here);
  for (const a of [PROVINCE, ...communes]) await identity.upsertAgency(a);
});

afterAll(async () => {
  await here?.dropDatabase();
  await Promise.all((clients ?? []).map((c) => c.close()));
});

describe('the agencies a user reads (merger map cached per process)', () => {
  it('sees a merger made by this process at once, and one made by another process within a second', async () => {
    const [survivor, mergedHere] = communes as [(typeof communes)[0], (typeof communes)[0]];
    expect(await readableAgencies(here, survivor.code)).toEqual([survivor.code]);
    expect(await readableAgencies(there, survivor.code)).toEqual([survivor.code]);

    await new IdentityAdminStore(here).retireAgency(mergedHere.code, new Date(), survivor.code);
    expect(await readableAgencies(here, survivor.code)).toEqual([survivor.code, mergedHere.code]);

    // The other process may answer from its cache for up to a second, never longer.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await readableAgencies(there, survivor.code)).toEqual([survivor.code, mergedHere.code]);
    // Transitively: the province absorbing the survivor reads all three.
    await new IdentityAdminStore(there).retireAgency(survivor.code, new Date(), PROVINCE.code);
    expect(await readableAgencies(there, PROVINCE.code)).toEqual([
      PROVINCE.code,
      survivor.code,
      mergedHere.code,
    ]);
  });
});
