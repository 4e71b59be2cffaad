import { Collection } from 'mongodb';
import type { AuditEventInput } from '../../schemas/audit';
import { KpiStore } from '../../store/kpi-store';
import { startHarness, type Harness } from './helpers/harness';

/*
 * Countings of different documents in flight together are written together (store/kpi-counting.ts): fewer token
 * inserts and counter writes than countings, the same counters as the audit trail gives, and a retried counting in
 * the same commit counted once.
 */
const A = '000.00.32.H29';
const B = '000.00.33.H29';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => h?.close());

/** One document's issue and dispatch to B, appended to the audit trail as the exchange does. */
async function issued(doc: string) {
  const event = (n: number, type: string, details: Record<string, unknown>): AuditEventInput => ({
    id: `kpi-counting:${doc}#${n}`,
    time: '2026-04-06T03:00:00.000Z',
    agency: A,
    actor: 'system',
    type,
    documentId: doc,
    details,
  });
  return Promise.all([
    h.deps.audit.append(event(1, 'document.sealed', { profile: 'organisation' })),
    h.deps.audit.append(event(2, 'document.dispatched', { recipient: B, attempt: 1 })),
  ]);
}

it('writes concurrent countings of many documents together, each counted once', async () => {
  const kpis = new KpiStore(h.deps.db!);
  const docs = Array.from({ length: 12 }, (_, i) => `counting-doc-${i}`);
  const batches = await Promise.all(docs.map(issued));
  // The first document was counted before: its counting comes again, as a retried activity's would.
  await kpis.applyAll(batches[0]!);
  const tokenInserts = jest.spyOn(Collection.prototype, 'insertMany');
  const counterWrites = jest.spyOn(Collection.prototype, 'updateOne');
  try {
    await Promise.all(batches.map((events) => kpis.applyAll(events)));
    const onKpi = (spy: jest.SpyInstance, prefix: string) =>
      spy.mock.contexts.filter((c) => (c as Collection).collectionName.startsWith(prefix)).length;
    // Twelve countings, of which eleven new: fewer inserts and day-counter writes than that.
    expect(onKpi(tokenInserts, 'kpi_applied_')).toBeLessThan(11);
    expect(onKpi(counterWrites, 'kpi_days_')).toBeLessThan(11);
  } finally {
    tokenInserts.mockRestore();
    counterWrites.mockRestore();
  }
  const day = await kpis.dayCounters({ from: '2026-04-06', to: '2026-04-06' });
  expect(day.find((r) => r.agency === A)?.c.issued).toBe(12);
  expect((await kpis.rebuildFromAudit({ write: false })).differences).toEqual([]);
  // Counted again, all of them (every activity retried): nothing changes.
  await Promise.all(batches.map((events) => kpis.applyAll(events)));
  expect(await kpis.dayCounters({ from: '2026-04-06', to: '2026-04-06' })).toEqual(day);
});
