/**
 * KPI benchmark: `npm run bench:kpi -- [--events N] [--days D] [--runs R] [--raw-runs R] [--apply-runs R]
 * [--db NAME] [--keep] [--reuse] [--skip-rebuild] [--insert-concurrency C] [--data-dir DIR] [--server-pid PID]`.
 * Without `MONGODB_URI` it starts its own FerretDB on SQLite (the `npm start` stack) on a free port, with its files
 * under `--data-dir` (a temporary directory unless given), and reports that server's peak memory and disk use;
 * with `MONGODB_URI` it uses that server (`--server-pid` then names its process for the memory figures).
 * `--browser-runs R` (default 20, 0 for none) times the dashboard page in headless Chromium, served by the API over
 * the benchmark's database. `--keep` leaves the database (and its directory) in place; `--reuse` then skips seeding (the
 * counters are rebuilt unless `--skip-rebuild`); `--raw-runs 0` skips the raw path. `--insert-concurrency` (default 2) is the
 * number of insert batches in flight while seeding. `--server-pid` (Linux) also reports the resident memory of the
 * database server process (current and peak, from /proc).
 *
 * On FerretDB v1 every query other than a lookup by `_id` reads and decodes the whole collection (a count too), so
 * the rebuild and each raw run cost at least one pass over all events; nothing here counts the events with a query.
 *
 * 1. Seeds N audit events (default 10 million) in bulk straight into MongoDB, in a database of its own
 *    (`lienthong_bench_kpi` unless --db), as the exchange workflows and the paper register write them: hash-chained
 *    per agency over the 25 agencies of the demo province, spread over D days (default 730) up to now.
 * 2. Builds the pre-aggregated counters with `KpiStore.rebuildFromAudit` (timed).
 * 3. Times the dashboard queries against the pre-aggregates (summary, agency table, 12-month trend, drill-down)
 *    and, in the same run, the electronic-exchange KPI computed by a plain aggregation over the raw events; checks
 *    both give the same numerator and denominator, and prints p50/p95 and the ratio.
 * 4. Times `KpiStore.apply` for new events on top of the seeded history (a recipient's receipt, verification and
 *    acceptance, in turn), then the summary again with today's counters and open items in place.
 * 5. Prints, as its last line, one JSON object with the figures compared run to run: `{"events":N,"summaryP95Ms":…,
 *    "agenciesP95Ms":…,"trendP95Ms":…,"drillDownP95Ms":…,"applyP50Ms":…,"rebuildEventsPerSec":…,"rawAggregationMs":…}`.
 */
import { readFileSync } from 'node:fs';
import { MongoClient, type AnyBulkWriteOperation, type Db } from 'mongodb';
import { ensureIndexes } from '../infra/mongo';
import { dayEnd, dayStart, vnDay } from '../kpi/period';
import { KpiService } from '../kpi/service';
import { Collections } from '../schemas/constants';
import type { AuditEvent } from '../schemas/audit';
import type { AuditEventType } from '../schemas/audit-events';
import { GENESIS_HASH, hashAuditEvent } from '../store/audit-store';
import { DEMO_AGENCIES } from '../store/demo-province';
import { IdentityStore } from '../store/identity-store';
import { KpiStore, type RebuildResult } from '../store/kpi-store';
import { timeDashboardInBrowser } from './lib/dashboard-in-browser';
import { startOwnFerretdb } from './lib/own-ferretdb';
import { percentile } from './lib/percentile';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const EVENTS = Number(arg('events', '10000000'));
const DAYS = Number(arg('days', '730'));
const RUNS = Number(arg('runs', '20'));
/** Raw aggregations timed: each is two full passes over the events on FerretDB v1 (minutes from 300 k events on). */
const RAW_RUNS = Number(arg('raw-runs', '1'));
/** `KpiStore.apply` calls timed on top of the history (a recipient's receipt, verification and `03`, in turn). */
const APPLY_RUNS = Number(arg('apply-runs', '99'));
const DB = arg('db', 'lienthong_bench_kpi');
const KEEP = process.argv.includes('--keep');
/** Keep the events (and counters) already in --db instead of seeding again. */
const REUSE = process.argv.includes('--reuse');
/** With --reuse: keep the counters already built instead of rebuilding them. */
const SKIP_REBUILD = process.argv.includes('--skip-rebuild');
const BATCH = 10_000;
/** Insert batches in flight while seeding (the next batch is generated while earlier ones are written). */
const INSERT_CONCURRENCY = Math.max(1, Number(arg('insert-concurrency', '2')));
/** Reloads of the dashboard timed in headless Chromium (0: none). */
const BROWSER_RUNS = Number(arg('browser-runs', '20'));
/** Where the benchmark's own FerretDB keeps its SQLite files (without MONGODB_URI). */
const DATA_DIR = arg('data-dir', '') || undefined;
let serverPid = arg('server-pid', '');

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Resident memory of the database server process (`--server-pid`), current and peak, from /proc (Linux). */
function serverMemory(): string {
  if (!serverPid) return '';
  try {
    const status = readFileSync(`/proc/${serverPid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return `, server RSS ${mib(kb('VmRSS') * 1024)} (peak ${mib(kb('VmHWM') * 1024)})`;
  } catch {
    return '';
  }
}

/** Resident memory of this process, current and peak, and of the server when known. */
function memory(): string {
  const peak = process.resourceUsage().maxRSS * 1024;
  return `node RSS ${mib(process.memoryUsage().rss)} (peak ${mib(peak)})${serverMemory()}`;
}

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
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  /** Events generated so far (written, being written or waiting in the batch). */
  added = 0;
  written = 0;
  constructor(private readonly db: Db) {}

  async add(e: Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>): Promise<void> {
    const head = this.heads.get(e.agency) ?? { seq: 0, hash: GENESIS_HASH };
    const body = { ...e, seq: head.seq + 1, prevHash: head.hash };
    const hash = hashAuditEvent(body);
    this.heads.set(e.agency, { seq: body.seq, hash });
    this.batch.push({ _id: e.id, ...body, hash });
    this.added++;
    if (this.batch.length >= BATCH) await this.flush();
  }

  /**
   * Hands the batch to the database and returns once fewer than `INSERT_CONCURRENCY` batches are in flight, so the
   * next batch is generated (and hashed) while the database writes. Batches may land in any order: the rebuild reads
   * in storage order and puts each chain back in `seq` order.
   */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.batch.length > 0) {
      const docs = this.batch;
      this.batch = [];
      const p: Promise<void> = this.db
        .collection(Collections.auditEvents)
        .insertMany(docs as never[], { ordered: false })
        .then(
          (res) => {
            if (res.insertedCount !== docs.length)
              this.failure ??= new Error(`inserted ${res.insertedCount} of ${docs.length} events`);
            this.written += res.insertedCount;
          },
          (err: unknown) => {
            this.failure ??= err;
          },
        )
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    while (this.inFlight.size >= INSERT_CONCURRENCY) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Writes what is left and waits for every batch. */
  async drain(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  async writeHeads(): Promise<void> {
    const ops: AnyBulkWriteOperation<{ _id: string; seq: number }>[] = [...this.heads].map(([agency, h]) => ({
      updateOne: { filter: { _id: agency }, update: { $set: { seq: h.seq } }, upsert: true },
    }));
    if (ops.length)
      await this.db.collection<{ _id: string; seq: number }>(Collections.auditHeads).bulkWrite(ops);
  }
}

async function seed(
  db: Db,
  target: number,
  now: Date,
): Promise<{ events: number; documents: number; ms: number }> {
  const rnd = prng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const codes = DEMO_AGENCIES.map((a) => a.code);
  const s = new Seeder(db);
  const started = Date.now();
  const start = now.getTime() - DAYS * 86_400_000;
  // A document's last event (an acceptance) comes at most ~3 days after it is created: end there, so no event is
  // dated after `now`.
  const end = now.getTime() - 3 * 86_400_000;
  let documents = 0;
  let lastReport = Date.now();
  while (s.added + 64 < target) {
    // Documents in time order, spread evenly over the span by the number of events generated so far (spreading by
    // an estimated number of documents ran past `now` when a document averaged fewer events than estimated).
    const t0 = start + (s.added / target) * (end - start) + rnd() * 60_000;
    documents++;
    const sender = pick(codes);
    const others = codes.filter((c) => c !== sender);
    const recipients = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(others)))];
    const doc = `D${documents}`;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const ev = (
      agency: string,
      type: AuditEventType,
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
      const rv = (type: AuditEventType, minutes: number, details: Record<string, unknown>, n: string) =>
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
      process.stdout.write(
        `  seeded ${s.written.toLocaleString('en')} events (${rate.toFixed(0)}/s), ${memory()}\n`,
      );
    }
  }
  await s.drain();
  await s.writeHeads();
  return { events: s.written, documents, ms: Date.now() - started };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

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
  // Two pipelines, run side by side: each is a pass over all events on FerretDB v1 (no index use).
  const electronicP = events
    .aggregate<{ _id: { from: string; type: string }; n: number }>([
      {
        $match: {
          type: { $in: ['incoming.verified', 'incoming.verification_failed'] },
          time: { $gte: dayStart(from).toISOString(), $lt: dayEnd(to).toISOString() },
          // An update (BusinessDocType 2) re-sends a document already counted (kpi/event-effects.ts).
          'details.businessDocType': { $ne: 2 },
        },
      },
      { $group: { _id: { from: '$details.from', type: '$type' }, n: { $sum: 1 } } },
    ])
    .toArray();
  const paperP = events
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
  const [electronic, paper] = await Promise.all([electronicP, paperP]);
  const valid = electronic.filter((g) => g._id.type === 'incoming.verified').reduce((s, g) => s + g.n, 0);
  const total = electronic.reduce((s, g) => s + g.n, 0) + paper.reduce((s, g) => s + g.n, 0);
  return { valid, total };
}

/** `KpiStore.rebuildFromAudit` with progress lines and the time of each phase. */
async function timedRebuild(kpis: KpiStore, now: Date): Promise<RebuildResult> {
  const phaseStarted = { read: Date.now(), compare: 0, write: 0 };
  const rebuild = await kpis.rebuildFromAudit({
    write: true,
    now,
    progressEvery: 500_000,
    onProgress: ({ phase, events }) => {
      if (phase !== 'read') phaseStarted[phase] = Date.now();
      const rate = (events * 1000) / (Date.now() - phaseStarted.read);
      process.stdout.write(
        phase === 'read'
          ? `  rebuild: read ${events.toLocaleString('en')} events (${rate.toFixed(0)}/s), ${memory()}\n`
          : `  rebuild: ${phase} after ${((Date.now() - phaseStarted.read) / 1000).toFixed(1)} s, ${memory()}\n`,
      );
    },
  });
  const readMs = (phaseStarted.compare || Date.now()) - phaseStarted.read;
  console.log(
    `rebuildFromAudit: ${rebuild.events.toLocaleString('en')} events → ${rebuild.dayDocuments.toLocaleString('en')} counter documents, ${rebuild.openItems.toLocaleString('en')} open items in ${(rebuild.elapsedMs / 1000).toFixed(1)} s (${((rebuild.events * 1000) / rebuild.elapsedMs).toFixed(0)} events/s; reading ${(readMs / 1000).toFixed(1)} s, comparing ${(((phaseStarted.write || Date.now()) - phaseStarted.compare) / 1000).toFixed(1)} s, writing ${((Date.now() - (phaseStarted.write || Date.now())) / 1000).toFixed(1)} s), ${rebuild.chainGaps} chain gaps; ${memory()}`,
  );
  return rebuild;
}

async function main(): Promise<void> {
  if (!/bench/.test(DB)) throw new Error(`refusing to drop ${DB}: the database name must contain "bench"`);
  const own = process.env.MONGODB_URI
    ? undefined
    : await startOwnFerretdb(DATA_DIR, (line) => process.stderr.write(`[bench] ${line}\n`));
  if (own) {
    serverPid = own.pid();
    console.log(`own FerretDB on SQLite, files in ${own.dataDir}`);
  }
  const uri = own?.uri ?? process.env.MONGODB_URI!;
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
    // The chain heads give the number of events without counting them (a full pass on FerretDB v1).
    const existing = REUSE
      ? (await db.collection<{ seq: number }>(Collections.auditHeads).find({}).toArray()).reduce(
          (n, h) => n + h.seq,
          0,
        )
      : 0;
    if (!existing) await db.dropDatabase();
    await ensureIndexes(db);
    const identity = new IdentityStore(db);
    for (const a of DEMO_AGENCIES) await identity.upsertAgency(a);
    const kpis = new KpiStore(db);
    await kpis.ensureIndexes();

    if (existing) console.log(`reusing ${existing.toLocaleString('en')} events (from the chain heads)`);
    else {
      const seeded = await seed(db, EVENTS, now);
      console.log(
        `seeded ${seeded.events.toLocaleString('en')} events (${seeded.documents.toLocaleString('en')} documents) in ${(seeded.ms / 1000).toFixed(1)} s, ${((seeded.events * 1000) / seeded.ms).toFixed(0)} events/s; ${memory()}`,
      );
    }
    // --skip-rebuild (with --reuse): time the queries again on the counters a kept run built.
    const rebuild = REUSE && SKIP_REBUILD ? undefined : await timedRebuild(kpis, now);
    const events = rebuild?.events ?? existing;

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
      process.stdout.write(
        `  ${name}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms (${runs} runs), ${memory()}\n`,
      );
      return r.result;
    };
    // The first query of a process loads the settled partitions it needs into the read model (cold).
    const coldStarted = performance.now();
    await service.summary({ period: last365, scope: province });
    const coldMs = performance.now() - coldStarted;
    console.log(`  first summary (cold read model): ${coldMs.toFixed(0)} ms, ${memory()}`);
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

    // Incremental updates on top of the history: a delivery's life at the recipient (receipt opens an item awaiting
    // acceptance, verification counts, the `03` looks the item up, counts the delay and closes it), in turn.
    const apply: number[] = [];
    const lifecycle = [
      { type: 'incoming.received', details: {} },
      { type: 'incoming.verified', details: {} },
      { type: 'incoming.status_sent', details: { statusCode: '03' } },
    ];
    for (let i = 0; i < APPLY_RUNS; i++) {
      const step = lifecycle[i % lifecycle.length];
      const e = {
        id: `bench:live:${now.getTime()}:${i}`,
        time: new Date(now.getTime() - 60_000 + i * 100).toISOString(),
        agency: DEMO_AGENCIES[3].code,
        type: step.type,
        documentId: `live_${Math.floor(i / lifecycle.length)}`,
        details: { from: DEMO_AGENCIES[2].code, ...step.details },
      };
      const t = performance.now();
      await kpis.apply(e);
      apply.push(performance.now() - t);
    }
    // The dashboard again, now that today has counters and open items of its own.
    await q('summary, province, last 365 days, after the live events', RUNS, () =>
      service.summary({ period: last365, scope: province }),
    );

    if (BROWSER_RUNS) {
      // The browser is a measuring instrument here: without it (or when it fails) the other figures still stand.
      const browser = await timeDashboardInBrowser(db, uri, BROWSER_RUNS).catch((err: unknown) => {
        console.log(
          `  dashboard in Chromium: not timed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
        );
        return undefined;
      });
      if (browser) {
        rows.push(['dashboard in headless Chromium, reload to tiles drawn', browser, browser.runs]);
        console.log(
          `  dashboard in Chromium: sign-in to tiles ${browser.firstMs.toFixed(0)} ms; reload to tiles p50 ${browser.p50.toFixed(1)} ms, p95 ${browser.p95.toFixed(1)} ms (${browser.runs} runs), ${memory()}`,
        );
      }
    }

    console.log('');
    console.log('| query | runs | p50 ms | p95 ms |');
    console.log('|---|---:|---:|---:|');
    for (const [name, r, runs] of rows)
      console.log(`| ${name} | ${runs} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} |`);
    if (apply.length)
      console.log(
        `| KpiStore.apply (one event) | ${APPLY_RUNS} | ${percentile(apply, 0.5).toFixed(1)} | ${percentile(apply, 0.95).toFixed(1)} |`,
      );
    console.log('');
    console.log(`queries done; ${memory()}`);
    const pre = rows[0][1];
    const rawRow = rows.find((r) => r[0].includes('raw aggregation'))?.[1] ?? { p50: NaN, p95: NaN };
    console.log('');
    console.log(
      `exchange KPI last 365 days: ${summary.exchange.electronicValid.toLocaleString('en')} / ${summary.exchange.total.toLocaleString('en')} = ${((summary.exchange.share ?? 0) * 100).toFixed(1)}%${RAW_RUNS ? ' (same from both paths)' : ' (raw path not run)'}`,
    );
    if (RAW_RUNS)
      console.log(
        `raw aggregation / pre-aggregated summary: p50 ×${(rawRow.p50 / pre.p50).toFixed(0)}, p95 ×${(rawRow.p95 / pre.p95).toFixed(0)}`,
      );
    if (own) console.log(`database files: ${(own.diskBytes() / 1e9).toFixed(2)} GB on disk; ${memory()}`);
    const p95 = (prefix: string) => round(rows.find((r) => r[0].startsWith(prefix))?.[1].p95 ?? NaN);
    // The last line: one JSON object, compared run to run (issue 18).
    console.log(
      JSON.stringify({
        events,
        summaryP95Ms: p95('summary, province, last 365 days (pre-aggregated)'),
        agenciesP95Ms: p95('agency table'),
        trendP95Ms: p95('trend'),
        drillDownP95Ms: p95('drill-down'),
        applyP50Ms: apply.length ? round(percentile(apply, 0.5)) : null,
        rebuildEventsPerSec: rebuild ? Math.round((rebuild.events * 1000) / rebuild.elapsedMs) : null,
        rawAggregationMs: RAW_RUNS ? round(rawRow.p50) : null,
        browserP95Ms: BROWSER_RUNS ? p95('dashboard in headless Chromium') : null,
      }),
    );
  } finally {
    if (!KEEP) await db.dropDatabase().catch(() => undefined);
    await client.close();
    await own?.stop(KEEP);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:kpi: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
