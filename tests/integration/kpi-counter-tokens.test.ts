import type { Collection } from 'mongodb';
import type { AuditEventInput } from '../../schemas/audit';
import {
  incrementCounter,
  TOKEN_SLOT_MS,
  TOKEN_SLOTS,
  tokenSlot,
  type CounterTokens,
} from '../../store/kpi-counter-write';
import { KpiStore } from '../../store/kpi-store';
import { startHarness, type Harness } from './helpers/harness';

/*
 * The counters' idempotency tokens on the MongoDB-wire server: a second counting of an event changes nothing for at
 * least an hour however many events come in between, and a document holds no more than an hour of tokens (FerretDB
 * ignores `$push … $slice`, which the earlier layout relied on).
 */
type Counter = { _id: string; c: Record<string, number> } & CounterTokens;

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await startHarness();
}, 120_000);
afterAll(async () => h?.close());

/** A fresh counter collection and a start time at the beginning of a slot. */
function fresh(): { col: Collection<Counter>; t0: number } {
  n++;
  return {
    col: h.deps.db!.collection<Counter>(`test_counter_tokens_${n}`),
    t0: (Math.floor(Date.parse('2026-03-02T01:00:00Z') / TOKEN_SLOT_MS) + 1) * TOKEN_SLOT_MS,
  };
}

const count = (col: Collection<Counter>, token: string, first: boolean, now: number) =>
  incrementCounter(col, 'A|2026-03-02', [token], { sent: 1 }, { agency: 'A' }, first, now);

const stored = async (col: Collection<Counter>) => (await col.findOne({ _id: 'A|2026-03-02' }))!;
const tokensOf = (doc: Counter) => [...(doc.r ?? []), ...Object.values(doc.w ?? {}).flat()];

it('recognises a retry an hour later, after many other events', async () => {
  const { col, t0 } = fresh();
  await count(col, 'event-0', true, t0);
  for (let i = 1; i <= 100; i++) await count(col, `event-${i}`, true, t0 + i * 30_000);
  const before = await stored(col);
  expect(before.c.sent).toBe(101);
  // The retry of event-0, 60 minutes after it was counted, with 100 events in between: nothing changes.
  await count(col, 'event-0', false, t0 + (TOKEN_SLOTS - 1) * TOKEN_SLOT_MS);
  expect((await stored(col)).c.sent).toBe(101);
  // A second counting of an event the document never counted (a crash before this write) counts it, once.
  await count(col, 'event-missed', false, t0 + 3_600_000);
  await count(col, 'event-missed', false, t0 + 3_601_000);
  expect((await stored(col)).c.sent).toBe(102);
});

it('keeps at most TOKEN_SLOTS slots of tokens, however long it counts', async () => {
  const { col, t0 } = fresh();
  // Five events in each of 30 slots (five hours).
  for (let s = 0; s < 30; s++)
    for (let i = 0; i < 5; i++) await count(col, `event-${s}-${i}`, true, t0 + s * TOKEN_SLOT_MS + i * 1000);
  const doc = await stored(col);
  expect(doc.c.sent).toBe(150);
  expect(Object.keys(doc.w ?? {})).toHaveLength(TOKEN_SLOTS);
  expect(tokensOf(doc)).toHaveLength(TOKEN_SLOTS * 5);
  // Every slot holds the tokens of its latest epoch only.
  const last = tokenSlot(t0 + 29 * TOKEN_SLOT_MS).epoch;
  for (const epoch of Object.values(doc.e ?? {})) expect(epoch).toBeGreaterThan(last - TOKEN_SLOTS);
});

it('counts a retry once when the slot it falls in starts anew', async () => {
  const { col, t0 } = fresh();
  await count(col, 'early', true, t0);
  // Seven slots later the slot of `early` is reused: a retry of a recent event there still sees its token elsewhere.
  await count(col, 'recent', true, t0 + (TOKEN_SLOTS - 1) * TOKEN_SLOT_MS);
  await count(col, 'recent', false, t0 + TOKEN_SLOTS * TOKEN_SLOT_MS);
  expect((await stored(col)).c.sent).toBe(2);
  // The next event counted in that slot replaces `early`, an hour old, and the retry of `recent` still finds it.
  await count(col, 'later', true, t0 + TOKEN_SLOTS * TOKEN_SLOT_MS);
  await count(col, 'recent', false, t0 + TOKEN_SLOTS * TOKEN_SLOT_MS + 1000);
  const doc = await stored(col);
  expect(doc.c.sent).toBe(3);
  expect(tokensOf(doc).sort()).toEqual(['later', 'recent']);
  // (Writers of one document are serialised per process, store/document-locks.ts: FerretDB loses concurrent updates.)
});

it('reads the earlier layout: a token in `r` is recognised, and new tokens go to the slots', async () => {
  const { col, t0 } = fresh();
  await col.insertOne({ _id: 'A|2026-03-02', c: { sent: 1 }, r: ['old-event'] });
  await count(col, 'old-event', false, t0);
  await count(col, 'new-event', true, t0);
  const doc = await stored(col);
  expect(doc.c.sent).toBe(2);
  expect(doc.r).toEqual(['old-event']);
  expect(doc.w?.[tokenSlot(t0).name]).toEqual(['new-event']);
});

it('counts an event applied again through the store once, with other events and half an hour in between', async () => {
  let now = Date.parse('2026-03-05T03:00:00Z');
  const kpis = new KpiStore(h.deps.db!, { clock: () => now });
  const sealed = (i: number) =>
    h.deps.audit.append({
      id: `token-window:${i}`,
      time: '2026-03-05T03:00:00.000Z',
      agency: '000.00.32.H29',
      actor: 'system',
      type: 'document.sealed',
      documentId: `token-window-${i}`,
      details: { profile: 'organisation' },
    } as AuditEventInput);
  const first = await sealed(0);
  await kpis.apply(first);
  for (let i = 1; i <= 40; i++) await kpis.apply(await sealed(i));
  now += 30 * 60_000;
  await kpis.apply(first);
  const rows = await kpis.dayCounters({ from: '2026-03-05', to: '2026-03-05' });
  expect(rows.find((r) => r.agency === '000.00.32.H29')?.c.issued).toBe(41);
  expect((await kpis.rebuildFromAudit({ write: false })).differences).toEqual([]);
});
