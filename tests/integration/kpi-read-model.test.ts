import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { KpiEvent } from '../../kpi/event-effects';
import { KpiStore } from '../../store/kpi-store';
import { testStack } from './helpers/stack-info';

/*
 * The read model keeps settled periods in memory. A writer and a reader with their own connections stand for the
 * worker and the API: what the writer changes must show in the reader's next query, whether it changed today (read
 * afresh) or a settled day (announced in the versions document), and a rebuild must replace every cache.
 */
const S = '000.00.32.H29'; // Sở Nội vụ: agency codes contain dots (escaped in the versions document)
const R = '000.00.00.H29';
const NOW = Date.parse('2026-06-15T05:00:00Z'); // 12:00 in Vietnam
const clock = () => NOW;

let writerClient: MongoClient;
let readerClient: MongoClient;
let writer: KpiStore;
let reader: KpiStore;
let dbName: string;
let n = 0;

const event = (type: string, time: string, documentId: string, details: Record<string, unknown> = {}) =>
  ({ id: `rm:${++n}`, time, agency: R, type, documentId, details: { from: S, ...details } }) as KpiEvent;
const verified = (time: string) => event('incoming.verified', time, `doc-${n}`);

async function electronicOf(store: KpiStore): Promise<number> {
  const rows = await store.dayCounters({ from: '2026-05-01', to: '2026-06-15' }, [S]);
  return rows.reduce((sum, r) => sum + (r.c.el ?? 0), 0);
}

beforeAll(async () => {
  const uri = testStack().mongoUri;
  dbName = `lienthong_test_rm_${randomUUID().slice(0, 8)}`;
  writerClient = await new MongoClient(uri).connect();
  readerClient = await new MongoClient(uri).connect();
  writer = new KpiStore(writerClient.db(dbName), { clock });
  reader = new KpiStore(readerClient.db(dbName), { clock });
  await writer.ensureIndexes();
});

afterAll(async () => {
  await writerClient?.db(dbName).dropDatabase();
  await writerClient?.close();
  await readerClient?.close();
});

describe('the KPI read model across processes', () => {
  it('shows writes to today and to settled days in the next query of another process', async () => {
    await writer.apply(verified('2026-06-15T04:00:00Z'));
    await writer.apply(verified('2026-05-10T04:00:00Z'));
    expect(await electronicOf(reader)).toBe(2);

    // May is settled (read from its rollup and kept), 1 June a settled day of the current month, 15 June today.
    await writer.apply(verified('2026-05-10T06:00:00Z'));
    await writer.apply(verified('2026-06-01T04:00:00Z'));
    await writer.apply(verified('2026-06-15T04:30:00Z'));
    expect(await electronicOf(reader)).toBe(5);
    expect(await electronicOf(writer)).toBe(5);
  });

  it('lists open items opened and closed in settled days as well as today', async () => {
    await writer.apply(event('incoming.received', '2026-05-20T02:00:00Z', 'late-accept'));
    const waiting = () => reader.openItems({ agencies: [R], kind: 'await03' });
    expect((await waiting()).map((i) => i.documentId)).toEqual(['late-accept']);

    await writer.apply(
      event('incoming.status_sent', '2026-06-15T03:00:00Z', 'late-accept', { statusCode: '03' }),
    );
    await writer.apply(event('incoming.received', '2026-06-15T03:30:00Z', 'today'));
    expect((await waiting()).map((i) => [i.documentId, i.since])).toEqual([
      ['today', '2026-06-15T03:30:00Z'],
    ]);
    // The acceptance was 3 days 1 hour after receipt: counted in the receipt → acceptance histogram.
    const [today] = await reader.dayCounters({ from: '2026-06-15', to: '2026-06-15' }, [R]);
    expect(today.c.accepted).toBe(1);
  });

  it('drops every cache after a rebuild, which equals the incremental state', async () => {
    const before = await electronicOf(reader);
    expect(await reader.openItems({ agencies: [R] })).toHaveLength(1);
    // The audit trail of this database is empty: the rebuild finds what differs, then replaces it with nothing.
    const result = await writer.rebuildFromAudit({ write: true, now: new Date(NOW) });
    expect(result.differences.length).toBeGreaterThan(0);
    expect(before).toBe(5);
    expect(await electronicOf(reader)).toBe(0);
    expect(await reader.openItems({ agencies: [R] })).toEqual([]);
  });
});
