import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { ensureIndexes } from '../../infra/mongo';
import { Collections } from '../../schemas/constants';
import { AuditStore } from '../../store/audit-store';
import { testStack } from './helpers/stack-info';

let client: MongoClient;
let db: Db;
let store: AuditStore;
const AGENCY = '000.01.01.H29';

beforeAll(async () => {
  client = await MongoClient.connect(testStack().mongoUri, { ignoreUndefined: true });
  db = client.db(`lienthong_audit_${randomUUID().slice(0, 8)}`);
  await ensureIndexes(db);
  store = new AuditStore(db);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

const event = (id: string, agency = AGENCY) => ({
  id,
  time: '2026-05-04T10:00:00+07:00',
  agency,
  actor: 'clerk.000.01.01.h29',
  type: 'document.dispatched',
  documentId: 'doc-1',
  details: { subject: 'Về việc tổ chức Hội nghị tổng kết năm 2026', recipients: ['000.00.32.H29'] },
});

describe('the audit trail', () => {
  it('writes an event once however often the same id is appended', async () => {
    const first = await store.append(event('evt-idem'));
    const again = await store.append(event('evt-idem'));
    expect(again).toEqual(first);
    expect(await db.collection(Collections.auditEvents).countDocuments({ _id: 'evt-idem' as never })).toBe(1);
    expect(first.details.subject).toBe('Về việc tổ chức Hội nghị tổng kết năm 2026');
  });

  it('keeps one gap-free chain per agency under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.append(event(`evt-conc-${i}`, '000.00.33.H29'))),
    );
    const events = await store.list({ agency: '000.00.33.H29' });
    expect(events.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(await store.verify()).toMatchObject({ ok: true, firstBreak: null });
    // Appends share head writes, but every append returns only once the head covers it.
    const head = await db.collection(Collections.auditHeads).findOne({ _id: '000.00.33.H29' as never });
    expect(head?.seq).toBe(20);
    const last = events.find((e) => e.seq === 20)!;
    await db.collection(Collections.auditEvents).deleteOne({ _id: last.id as never });
    expect((await store.verify()).firstBreak).toMatchObject({
      agency: '000.00.33.H29',
      seq: 20,
      reason: 'TRUNCATED',
    });
    await db.collection(Collections.auditEvents).insertOne({ _id: last.id as never, ...last });
    expect((await store.verify()).ok).toBe(true);
  });

  it('writes the events and heads of chains that move together in shared commands, each covering its appends', async () => {
    const monitored = await MongoClient.connect(testStack().mongoUri, { monitorCommands: true });
    try {
      const headWrites: number[] = [];
      /** The chains each insert of events held. */
      const inserts: Set<string>[] = [];
      monitored.on('commandStarted', (e) => {
        if (e.commandName === 'update' && e.command.update === Collections.auditHeads)
          headWrites.push((e.command.updates as unknown[]).length);
        if (e.commandName === 'insert' && e.command.insert === Collections.auditEvents)
          inserts.push(new Set((e.command.documents as { agency: string }[]).map((d) => d.agency)));
      });
      const shared = new AuditStore(monitored.db(db.databaseName));
      const chains = Array.from({ length: 10 }, (_, i) => `000.00.${40 + i}.H29`);
      // Ten chains, three events each, all at once: as a dispatch to ten recipients and their answers.
      const stored = await Promise.all(
        chains.flatMap((agency) =>
          [0, 1, 2].map((n) => shared.append(event(`evt-multi-${agency}-${n}`, agency))),
        ),
      );
      expect(stored).toHaveLength(30);
      // Commands carrying the heads of several chains (one chain per command before: 23 commands for this burst,
      // 8 to 12 now).
      expect(Math.max(...headWrites)).toBeGreaterThan(1);
      expect(headWrites.reduce((a, b) => a + b, 0)).toBeGreaterThan(headWrites.length);
      // And the events of several chains in one insert (one insert per chain and round trip before).
      expect(Math.max(...inserts.map((chainsOfInsert) => chainsOfInsert.size))).toBeGreaterThan(1);
      expect(inserts.length).toBeLessThan(chains.length);
      for (const agency of chains) {
        const head = await db.collection(Collections.auditHeads).findOne({ _id: agency as never });
        expect(head?.seq).toBe(3);
      }
      expect(await store.verify()).toMatchObject({ ok: true, firstBreak: null });
    } finally {
      await monitored.close();
    }
  });

  it('keeps the chain whole when another process appends to it too', async () => {
    // A second client stands for a second API or worker process: it does not share this process's known heads.
    const otherClient = await MongoClient.connect(testStack().mongoUri, { ignoreUndefined: true });
    try {
      const other = new AuditStore(otherClient.db(db.databaseName));
      const agency = '000.00.37.H29';
      await store.append(event('evt-two-0', agency));
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 ? store : other).append(event(`evt-two-${i + 1}`, agency)),
        ),
      );
      await other.append(event('evt-two-last', agency));
      const events = (await store.list({ agency })).sort((a, b) => a.seq - b.seq);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
      for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
      expect(events.at(-1)!.id).toBe('evt-two-last');
      expect(await store.verify()).toMatchObject({ ok: true, firstBreak: null });
    } finally {
      await otherClient.close();
    }
  });

  it('settles a burst holding an event stored before and one event twice: each stored once, in one chain', async () => {
    const agency = '000.00.38.H29';
    const before = await store.append(event('evt-mix-0', agency));
    // The first append goes alone; the others arrive while it is in flight and are committed as one batch.
    const results = await Promise.all([
      store.append(event('evt-mix-1', agency)),
      store.append(event('evt-mix-0', agency)),
      store.append(event('evt-mix-2', agency)),
      store.append(event('evt-mix-2', agency)),
      store.append(event('evt-mix-3', agency)),
    ]);
    expect(results[1]).toEqual(before);
    expect(results[3]).toEqual(results[2]);
    const events = (await store.list({ agency })).sort((a, b) => a.seq - b.seq);
    expect(events.map((e) => [e.seq, e.id])).toEqual([
      [1, 'evt-mix-0'],
      [2, 'evt-mix-1'],
      [3, 'evt-mix-2'],
      [4, 'evt-mix-3'],
    ]);
    expect(await store.verify()).toMatchObject({ ok: true, firstBreak: null });
  });

  it('detects an event edited directly in MongoDB', async () => {
    for (let i = 0; i < 5; i++) await store.append(event(`evt-edit-${i}`, '000.00.34.H29'));
    await db
      .collection(Collections.auditEvents)
      .updateOne({ _id: 'evt-edit-2' as never }, { $set: { 'details.subject': 'Nội dung đã bị sửa' } });
    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({ agency: '000.00.34.H29', seq: 3, reason: 'HASH_MISMATCH' });
    await db
      .collection(Collections.auditEvents)
      .updateOne(
        { _id: 'evt-edit-2' as never },
        { $set: { 'details.subject': 'Về việc tổ chức Hội nghị tổng kết năm 2026' } },
      );
    expect((await store.verify()).ok).toBe(true);
  });

  it('detects an event deleted from the middle and from the end of a chain', async () => {
    for (let i = 0; i < 4; i++) await store.append(event(`evt-del-${i}`, '000.00.35.H29'));
    await db.collection(Collections.auditEvents).deleteOne({ _id: 'evt-del-1' as never });
    expect((await store.verify()).firstBreak).toMatchObject({
      agency: '000.00.35.H29',
      seq: 2,
      reason: 'SEQUENCE_GAP',
    });

    for (let i = 0; i < 3; i++) await store.append(event(`evt-end-${i}`, '000.00.36.H29'));
    await db.collection(Collections.auditEvents).deleteOne({ _id: 'evt-end-2' as never });
    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.checked).toBeGreaterThan(0);
  });

  it('recognises a tail deletion on its own', async () => {
    const otherDb = client.db(`lienthong_audit_${randomUUID().slice(0, 8)}`);
    await ensureIndexes(otherDb);
    const other = new AuditStore(otherDb);
    for (let i = 0; i < 3; i++) await other.append(event(`evt-tail-${i}`));
    await otherDb.collection(Collections.auditEvents).deleteOne({ _id: 'evt-tail-2' as never });
    expect((await other.verify()).firstBreak).toMatchObject({ seq: 3, reason: 'TRUNCATED' });
    await otherDb.dropDatabase();
  });
});
