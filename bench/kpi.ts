/**
 * KPI benchmark: `MONGODB_URI=mongodb://127.0.0.1:27027/ npx tsx bench/kpi.ts [--events N] [--days D] [--runs R]
 * [--raw-runs R] [--db NAME] [--keep] [--reuse]` (`npm run bench:kpi -- --events N`). `--keep` leaves the database
 * in place; `--reuse` then skips seeding (the counters are rebuilt either way); `--raw-runs 0` skips the raw path.
 *
 * 1. Seeds N audit events (default 10 million) in bulk straight into MongoDB, in a database of its own
 *    (`lienthong_bench_kpi` unless --db), as the exchange workflows and the paper register write them: hash-chained
 *    per agency over the 25 agencies of the demo province, spread over D days (default 730) up to now.
 * 2. Builds the pre-aggregated counters with `KpiStore.rebuildFromAudit` (timed).
 * 3. Times the dashboard queries against the pre-aggregates (summary, agency table, 12-month trend, drill-down)
 *    and, in the same run, the electronic-exchange KPI computed by a plain aggregation over the raw events; checks
 *    both give the same numerator and denominator, and prints p50/p95 and the ratio.
 * 4. Times `KpiStore.apply` for new events on top of the seeded history.
 */
import { MongoClient, type AnyBulkWriteOperation, type Db } from 'mongodb';
import { ensureIndexes } from '../infra/mongo';
import { dayEnd, dayStart, vnDay } from '../kpi/period';
import { KpiService } from '../kpi/service';
import { Collections } from '../schemas/constants';
import type { AuditEvent } from '../schemas/audit';
import { GENESIS_HASH, hashAuditEvent } from '../store/audit-store';
import { DEMO_AGENCIES } from '../store/demo-province';
import { IdentityStore } from '../store/identity-store';
import { KpiStore } from '../store/kpi-store';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const EVENTS = Number(arg('events', '10000000'));
const DAYS = Number(arg('days', '730'));
const RUNS = Number(arg('runs', '20'));
const RAW_RUNS = Number(arg('raw-runs', '5'));
const DB = arg('db', 'lienthong_bench_kpi');
const KEEP = process.argv.includes('--keep');
/** Keep the events (and counters) already in --db instead of seeding again. */
const REUSE = process.argv.includes('--reuse');
const BATCH = 10_000;

/** Deterministic PRNG (mulberry32), so two runs seed the same history. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RETURN_REASONS = ['Sai thể thức', 'Thiếu phụ lục', 'Cần bổ sung số liệu', 'Sai thẩm quyền ký'];
const REJECT_REASONS = ['Gửi sai cơ quan', 'Không thuộc thẩm quyền giải quyết', 'Văn bản trùng'];
const VERIFY_FAILURES = [
  'HASH_FAILURE: main.pdf does not match the SHA-256 in the envelope',
  'REVOKED_NO_POE: personal-signer: the signing certificate is revoked',
  'NO_CERTIFICATE_CHAIN_FOUND: organisation: no path to a trust anchor',
];

/** Appends events to per-agency hash chains and writes them in batches. */
class Seeder {
  private readonly heads = new Map<string, { seq: number; hash: string }>();
  private batch: (AuditEvent & { _id: string })[] = [];
  written = 0;
  constructor(private readonly db: Db) {}

  async add(e: Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>): Promise<void> {
    const head = this.heads.get(e.agency) ?? { seq: 0, hash: GENESIS_HASH };
    const body = { ...e, seq: head.seq + 1, prevHash: head.hash };
    const hash = hashAuditEvent(body);
    this.heads.set(e.agency, { seq: body.seq, hash });
    this.batch.push({ _id: e.id, ...body, hash });
    if (this.batch.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const docs = this.batch;
    this.batch = [];
    await this.db.collection(Collections.auditEvents).insertMany(docs as never[], { ordered: false });
    this.written += docs.length;
  }

  async writeHeads(): Promise<void> {
    const ops: AnyBulkWriteOperation<{ _id: string; seq: number }>[] = [...this.heads].map(([agency, h]) => ({
      updateOne: { filter: { _id: agency }, update: { $set: { seq: h.seq } }, upsert: true },
    }));
    if (ops.length)
      await this.db.collection<{ _id: string; seq: number }>(Collections.auditHeads).bulkWrite(ops);
  }
}

async function seed(db: Db, target: number, now: Date): Promise<{ documents: number; ms: number }> {
  const rnd = prng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const codes = DEMO_AGENCIES.map((a) => a.code);
  const s = new Seeder(db);
  const started = Date.now();
  const span = DAYS * 86_400_000;
  const docsEstimate = Math.ceil(target / 20);
  let documents = 0;
  let lastReport = Date.now();
  while (s.written + 64 < target) {
    // Documents in time order, roughly evenly spread over the span.
    const t0 = now.getTime() - span + (documents / docsEstimate) * span * 0.999 + rnd() * 60_000;
    documents++;
    const sender = pick(codes);
    const others = codes.filter((c) => c !== sender);
    const recipients = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(others)))];
    const doc = `D${documents}`;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const ev = (
      agency: string,
      type: string,
      minutes: number,
      documentId: string,
      details: Record<string, unknown>,
      n: string,
    ) =>
      s.add({
        id: `bench:${doc}:${n}`,
        time: at(minutes),
        agency,
        actor: 'bench',
        type,
        documentId,
        details,
      });

    if (rnd() < 0.12) {
      await ev(
        sender,
        'paper.registered',
        0,
        `paper:${sender}:${doc}`,
        {
          direction: 'sent',
          from: sender,
          to: recipients,
          number: documents,
          date: vnDay(t0),
          alsoElectronic: rnd() < 0.1,
        },
        'paper',
      );
      continue;
    }
    await ev(sender, 'document.created', 0, doc, { state: 'DRAFT' }, 's1');
    await ev(sender, 'document.submitted', 5, doc, { state: 'IN_APPROVAL' }, 's2');
    if (rnd() < 0.08) {
      await ev(sender, 'document.returned', 30, doc, { reason: pick(RETURN_REASONS) }, 's3');
      await ev(sender, 'document.submitted', 60, doc, { state: 'IN_APPROVAL' }, 's4');
    }
    if (rnd() < 0.03) await ev(sender, 'document.approval_overdue', 90, doc, {}, 's5');
    await ev(sender, 'document.approved', 120, doc, { state: 'APPROVED' }, 's6');
    await ev(sender, 'document.signed', 150, doc, { state: 'SIGNED' }, 's7');
    if (rnd() < 0.01) continue; // signed, never issued: "not yet sent"
    await ev(sender, 'document.numbered', 180, doc, { number: documents }, 's8');
    await ev(sender, 'document.sealed', 181, doc, { profile: 'organisation' }, 's9');
    for (const [i, r] of recipients.entries())
      await ev(sender, 'document.dispatched', 182, doc, { recipient: r, attempt: 1 }, `d${i}`);
    for (const [i, r] of recipients.entries()) {
      if (rnd() < 0.03) {
        await ev(sender, 'document.send_failed', 240, doc, { recipient: r, attempts: 4 }, `f${i}`);
        continue;
      }
      const inbox = `${sender}_${doc}`;
      const rv = (type: string, minutes: number, details: Record<string, unknown>, n: string) =>
        ev(r, type, minutes, inbox, { from: sender, messageId: doc, ...details }, `${n}${i}`);
      await rv('incoming.received', 183, { attempt: 1 }, 'r');
      const valid = rnd() < 0.9;
      const reason = valid ? undefined : pick(VERIFY_FAILURES);
      await rv(valid ? 'incoming.verified' : 'incoming.verification_failed', 184, { ok: valid, reason }, 'v');
      await rv('incoming.status_sent', 184, { statusCode: '01' }, 'a');
      const wait = 5 + Math.floor(rnd() ** 3 * 4000);
      let code: '02' | '03' | undefined;
      let why: string | undefined;
      if (!valid) [code, why] = ['02', reason];
      else if (rnd() < 0.05) [code, why] = ['02', pick(REJECT_REASONS)];
      else if (rnd() < 0.97) code = '03';
      if (!code) continue;
      await rv('incoming.status_sent', 184 + wait, { statusCode: code, reason: why }, 'c');
      await ev(
        sender,
        'document.status_received',
        184 + wait,
        doc,
        { recipient: r, statusCode: code, reason: why },
        `st${i}`,
      );
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const rate = (s.written * 1000) / (Date.now() - started);
      process.stdout.write(`  seeded ${s.written.toLocaleString('en')} events (${rate.toFixed(0)}/s)\n`);
    }
  }
  await s.flush();
  await s.writeHeads();
  return { documents, ms: Date.now() - started };
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

async function time<T>(
  runs: number,
  work: () => Promise<T>,
): Promise<{ p50: number; p95: number; result: T }> {
  const ms: number[] = [];
  let result!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await work();
    ms.push(performance.now() - t);
  }
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), result };
}

/** The electronic-exchange KPI by plain aggregation over the raw audit events (what the counters replace). */
async function rawExchangeKpi(db: Db, from: string, to: string): Promise<{ valid: number; total: number }> {
  const events = db.collection(Collections.auditEvents);
  const electronic = await events
    .aggregate<{ _id: { from: string; type: string }; n: number }>([
      {
        $match: {
          type: { $in: ['incoming.verified', 'incoming.verification_failed'] },
          time: { $gte: dayStart(from).toISOString(), $lt: dayEnd(to).toISOString() },
        },
      },
      { $group: { _id: { from: '$details.from', type: '$type' }, n: { $sum: 1 } } },
    ])
    .toArray();
  const paper = await events
    .aggregate<{ _id: string; n: number }>([
      {
        $match: {
          type: 'paper.registered',
          'details.date': { $gte: from, $lte: to },
          'details.alsoElectronic': { $ne: true },
        },
      },
      { $unwind: '$details.to' },
      { $group: { _id: '$details.from', n: { $sum: 1 } } },
    ])
    .toArray();
  const valid = electronic.filter((g) => g._id.type === 'incoming.verified').reduce((s, g) => s + g.n, 0);
  const total = electronic.reduce((s, g) => s + g.n, 0) + paper.reduce((s, g) => s + g.n, 0);
  return { valid, total };
}

async function main(): Promise<void> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('set MONGODB_URI (e.g. mongodb://127.0.0.1:27027/ for the npm start stack)');
  if (!/bench/.test(DB)) throw new Error(`refusing to drop ${DB}: the database name must contain "bench"`);
  const client = new MongoClient(uri, { ignoreUndefined: true });
  await client.connect();
  const db = client.db(DB);
  const now = new Date();
  try {
    console.log(
      REUSE
        ? `KPI benchmark on the events already in ${DB} at ${uri}`
        : `KPI benchmark: ${EVENTS.toLocaleString('en')} audit events over ${DAYS} days into ${DB} at ${uri}`,
    );
    const existing = REUSE ? await db.collection(Collections.auditEvents).estimatedDocumentCount() : 0;
    if (!existing) await db.dropDatabase();
    await ensureIndexes(db);
    const identity = new IdentityStore(db);
    for (const a of DEMO_AGENCIES) await identity.upsertAgency(a);
    const kpis = new KpiStore(db);
    await kpis.ensureIndexes();

    if (existing) console.log(`reusing ${existing.toLocaleString('en')} events`);
    else {
      const seeded = await seed(db, EVENTS, now);
      const events = await db.collection(Collections.auditEvents).estimatedDocumentCount();
      console.log(
        `seeded ${events.toLocaleString('en')} events (${seeded.documents.toLocaleString('en')} documents) in ${(seeded.ms / 1000).toFixed(1)} s, ${((events * 1000) / seeded.ms).toFixed(0)} events/s`,
      );
    }
    const rebuild = await kpis.rebuildFromAudit({ write: true, now });
    console.log(
      `rebuildFromAudit: ${rebuild.events.toLocaleString('en')} events → ${rebuild.dayDocuments.toLocaleString('en')} counter documents, ${rebuild.openItems.toLocaleString('en')} open items in ${(rebuild.elapsedMs / 1000).toFixed(1)} s (${((rebuild.events * 1000) / rebuild.elapsedMs).toFixed(0)} events/s)`,
    );

    const service = new KpiService({
      kpis,
      identity,
      pki: { listCertificates: async () => [] },
      clock: () => now,
    });
    const today = vnDay(now);
    const year = { from: `${today.slice(0, 4)}-01-01`, to: today };
    const last365 = { from: vnDay(now.getTime() - 364 * 86_400_000), to: today };
    const province = { kind: 'province' as const };
    const one = { kind: 'agency' as const, agency: DEMO_AGENCIES[2].code };
    const rows: [string, { p50: number; p95: number }, number][] = [];
    const q = async <T>(name: string, runs: number, work: () => Promise<T>) => {
      const r = await time(runs, work);
      rows.push([name, r, runs]);
      return r.result;
    };
    await service.summary({ period: last365, scope: province }); // warm-up
    const summary = await q('summary, province, last 365 days (pre-aggregated)', RUNS, () =>
      service.summary({ period: last365, scope: province }),
    );
    await q('summary, province, year to date (pre-aggregated)', RUNS, () =>
      service.summary({ period: year, scope: province }),
    );
    await q('agency table, last 365 days (pre-aggregated)', RUNS, () =>
      service.table({ period: last365, scope: province }),
    );
    await q('trend, 12 months (pre-aggregated)', RUNS, () => service.trend(province, 12));
    await q('drill-down, one agency, last 365 days (pre-aggregated)', RUNS, () =>
      service.drillDown({ period: last365, scope: one }),
    );
    const raw = RAW_RUNS
      ? await q('exchange KPI, last 365 days (raw aggregation)', RAW_RUNS, () =>
          rawExchangeKpi(db, last365.from, last365.to),
        )
      : { valid: summary.exchange.electronicValid, total: summary.exchange.total };
    if (raw.valid !== summary.exchange.electronicValid || raw.total !== summary.exchange.total)
      throw new Error(
        `mismatch: raw ${raw.valid}/${raw.total}, counters ${summary.exchange.electronicValid}/${summary.exchange.total}`,
      );

    // Incremental updates on top of the history.
    const apply: number[] = [];
    for (let i = 0; i < 100; i++) {
      const e = {
        id: `bench:live:${now.getTime()}:${i}`,
        time: new Date(now.getTime() + i * 1000).toISOString(),
        agency: DEMO_AGENCIES[3].code,
        type: 'incoming.verified',
        documentId: `live_${i}`,
        details: { from: DEMO_AGENCIES[2].code },
      };
      const t = performance.now();
      await kpis.apply(e);
      apply.push(performance.now() - t);
    }

    console.log('');
    console.log('| query | runs | p50 ms | p95 ms |');
    console.log('|---|---:|---:|---:|');
    for (const [name, r, runs] of rows)
      console.log(`| ${name} | ${runs} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} |`);
    console.log(
      `| KpiStore.apply (one event) | 100 | ${percentile(apply, 0.5).toFixed(1)} | ${percentile(apply, 0.95).toFixed(1)} |`,
    );
    const pre = rows[0][1];
    const rawRow = rows.find((r) => r[0].includes('raw'))?.[1] ?? { p50: NaN, p95: NaN };
    console.log('');
    console.log(
      `exchange KPI last 365 days: ${summary.exchange.electronicValid.toLocaleString('en')} / ${summary.exchange.total.toLocaleString('en')} = ${((summary.exchange.share ?? 0) * 100).toFixed(1)}% (same from both paths)`,
    );
    console.log(
      `raw aggregation / pre-aggregated summary: p50 ×${(rawRow.p50 / pre.p50).toFixed(0)}, p95 ×${(rawRow.p95 / pre.p95).toFixed(0)}`,
    );
  } finally {
    if (!KEEP) await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:kpi: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
