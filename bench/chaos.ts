/**
 * Chaos run: `npm run chaos -- --documents N [--faults F] [--concurrency C] [--recipients R] [--seed S]
 * [--timeout-minutes T] [--database auto|sqlite|postgresql]`.
 *
 * Starts the clustered stack (scripts/lib/cluster.ts: three NATS nodes at replicas 3, FerretDB on the local
 * PostgreSQL or SQLite, Temporal, two workers, two API instances behind a round-robin proxy) in a temp dir on free
 * ports, drives N documents through the API across the demo province's agencies (draft, submit, approve, sign,
 * issue; each recipient's clerk accepts), and meanwhile kills with SIGKILL, at random moments, the NATS node leading
 * the exchange stream, another NATS node, a worker, an API instance and FerretDB; each is restarted by its
 * supervisor. Then it waits for the system to settle and checks: every document at 03 at every recipient and known
 * so by the sender; each register holding each document once and numbers 1..n without gaps; every audit chain
 * verifying; no dead letters. Prints the fault schedule and, as its last line, one JSON object
 * `{"documents":N,"faults":F,"lost":0,"duplicated":0,"numberGaps":0,"auditOk":true,"deadLetters":0,"seconds":S}`.
 * Exits 1 when a check fails or time runs out, 0 otherwise.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { ApiClient } from '../cli/demo-api';
import { connectMongo } from '../infra/mongo';
import { connectNats } from '../infra/nats';
import { startCluster, type RunningCluster } from '../scripts/lib/cluster';
import {
  dropPostgresqlDatabase,
  ensurePostgresqlDatabase,
  localPostgresqlAnswers,
} from '../scripts/lib/postgresql';
import { ensureTools } from '../scripts/lib/tools';
import { exchangeNames } from '../schemas/edxml';
import { DEMO_AGENCIES } from '../store/demo-province';
import { checkChaosRun, documentSettled } from './lib/chaos-checks';
import { driveDocuments, type DrivenDocument } from './lib/chaos-driver';
import { injectFault, planFaults, type FaultRecord } from './lib/chaos-faults';
import { slowActivities } from './lib/slow-activities';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
}

function textOption(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** mulberry32: a small seeded generator, so `--seed` replays the same recipients and fault order. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let active: RunningCluster | undefined;
/** Stops the cluster once; its NATS and FerretDB processes would outlive this one otherwise. */
async function stopActive(): Promise<void> {
  const cluster = active;
  active = undefined;
  await cluster?.stop().catch(() => undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runStarted = Date.now();
const log = (line: string) =>
  process.stderr.write(`[chaos +${((Date.now() - runStarted) / 1000).toFixed(1)} s] ${line}\n`);

async function onePagePdf(): Promise<string> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595.28, 841.89]).drawText('Cong van kiem thu su co', { x: 72, y: 760, size: 12, font });
  return Buffer.from(await doc.save({ useObjectStreams: false })).toString('base64');
}

/**
 * Faults at random moments of the drive: each at a random point of its progress (documents through, between 5%
 * and 90%), at least 4 s after the one before, so they spread over the whole run however long it is. Faults still
 * due when the documents are through strike while the system settles.
 */
async function faultLoop(
  cluster: RunningCluster,
  plan: ReturnType<typeof planFaults>,
  progress: () => number,
  startedAt: number,
  random: () => number,
  schedule: FaultRecord[],
): Promise<void> {
  const nats = await connectNats({ url: cluster.natsUrl, name: 'lienthong-chaos' });
  const stream = exchangeNames('').stream;
  try {
    const moments = plan.map(() => 0.05 + random() * 0.85).sort((a, b) => a - b);
    for (const [i, kind] of plan.entries()) {
      await sleep(4_000);
      while (progress() < moments[i]!) await sleep(250);
      const record = await injectFault(kind, cluster, nats, stream, startedAt, random);
      schedule.push(record);
      process.stdout.write(
        `fault ${String(schedule.length).padStart(2)}  t=${record.at.toFixed(1).padStart(6)} s  ${record.kind.padEnd(11)} ${record.target.padEnd(9)} ${record.detail}${record.backAfter !== undefined ? `; back after ${record.backAfter.toFixed(1)} s` : '; not back yet'}\n`,
      );
    }
  } finally {
    await nats.close();
  }
}

/** Where recovery waited: activities retried, and the slowest ones (a timeout shows as minutes here). */
async function logSlowActivities(temporalAddress: string): Promise<void> {
  try {
    const { activities, retried, slowest } = await slowActivities(temporalAddress, 8);
    log(`activities: ${activities}, ${retried} of them completed after more than one attempt; slowest:`);
    for (const a of slowest)
      log(
        `  ${(a.ms / 1000).toFixed(1).padStart(6)} s  ${a.activityType} (attempt ${a.attempt}) ${a.workflowId}` +
          (a.lastFailure ? `; before: ${a.lastFailure.slice(0, 160)}` : ''),
      );
  } catch (err) {
    log(`activity report unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function main(): Promise<number> {
  const documents = option('documents', 50);
  const faults = option('faults', Math.max(5, Math.ceil(documents / 30)));
  const seed = option('seed', Date.now() % 1_000_000);
  const timeoutMs = option('timeout-minutes', 30) * 60_000;
  const random = seeded(seed);
  const startedAt = Date.now();
  const deadline = startedAt + timeoutMs;
  const database = textOption('database', 'auto');
  const usePostgresql = database === 'postgresql' || (database === 'auto' && localPostgresqlAnswers());
  const pgName = `lienthong_chaos_${randomUUID().slice(0, 8)}`;
  const postgresqlUrl = usePostgresql ? ensurePostgresqlDatabase(pgName) : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'lienthong-chaos-'));
  log(`seed ${seed}; ${documents} documents, ${faults} faults; data under ${dataDir}`);

  let gaveUp: string | undefined;
  try {
    const tools = ensureTools(process.env, log);
    const cluster = await startCluster({
      tools,
      dataDir,
      env: {
        ...process.env,
        NATS_REPLICAS: '3',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        LOGIN_MAX_PER_IP: '1000000',
        LOGIN_MAX_PER_USER: '1000000',
        JWT_SECRET: `chaos-jwt-secret-${randomUUID()}`,
        LIENTHONG_KEYSTORE_PASSPHRASE: `chaos-keystore-${randomUUID()}`,
      },
      proxyPort: 0,
      postgresqlUrl,
      // Chaos kills the same process several times in a run: only a real crash loop gives up.
      policy: { initialDelayMs: 1_000, maxDelayMs: 8_000, maxCrashes: 30, windowMs: 120_000 },
      log,
      onGiveUp: (name) => (gaveUp = name),
    });
    active = cluster;
    log(`cluster up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; API ${cluster.proxyUrl}`);
    const api = new ApiClient(cluster.proxyUrl);
    const agencies = DEMO_AGENCIES.map((a) => a.code);
    const pdfBase64 = await onePagePdf();
    const schedule: FaultRecord[] = [];
    let through = 0;
    const drive = driveDocuments({
      api,
      agencies,
      documents,
      concurrency: option('concurrency', 6),
      recipientsPerDocument: option('recipients', 2),
      pdfBase64,
      random,
      deadline,
      onProgress: (done, total) => {
        through = done / total;
        if (done % 10 === 0 || done === total) log(`${done}/${total} documents through`);
      },
    }).finally(() => (through = 1));
    const chaos = faultLoop(cluster, planFaults(faults, random), () => through, startedAt, random, schedule);
    const docs: DrivenDocument[] = await drive;
    await chaos;
    log('settling: waiting for every document to reach 03 everywhere');
    const settleDeadline = Math.min(deadline, Date.now() + 8 * 60_000);
    let pending = docs.filter((d) => d.id);
    while (pending.length && Date.now() < settleDeadline) {
      const still: DrivenDocument[] = [];
      for (const d of pending) if (!(await documentSettled(api, d))) still.push(d);
      if (still.length !== pending.length || still.length === 0)
        log(`${still.length} document(s) not yet at 03 everywhere`);
      pending = still;
      if (pending.length) await sleep(2_000);
    }
    const mongo = await connectMongo(cluster.mongoUri, cluster.childEnv.MONGODB_DB ?? 'lienthong');
    const nats = await connectNats({ url: cluster.natsUrl, name: 'lienthong-chaos-check' });
    const found = await checkChaosRun(api, mongo.db, nats, exchangeNames(''), docs, 3).finally(async () => {
      await nats.close();
      await mongo.close();
    });
    const restarts = [...cluster.nats, cluster.ferretdb, ...cluster.workers, ...cluster.apis]
      .map((s) => `${s.name} ${s.restarts}`)
      .join(', ');
    const retries = docs.reduce((n, d) => n + d.createRetries, 0);
    log(`supervisor restarts: ${restarts}${gaveUp ? `; gave up on ${gaveUp}` : ''}`);
    log(`creations sent again after a lost answer (same Idempotency-Key, same draft): ${retries}`);
    log(`requests per API instance: ${cluster.proxy.served.join(' / ')}`);
    log(`streams (replicas configured/present): ${found.streams.join(', ')}`);
    for (const p of found.problems.slice(0, 20)) log(`problem: ${p}`);
    await logSlowActivities(cluster.temporalAddress);
    const result = {
      documents,
      faults: schedule.filter((f) => f.detail.startsWith('kill')).length,
      lost: found.lost,
      duplicated: found.duplicated,
      numberGaps: found.numberGaps,
      auditOk: found.auditOk,
      deadLetters: found.deadLetters,
      seconds: Math.round((Date.now() - startedAt) / 1000),
    };
    const ok =
      !gaveUp &&
      found.problems.length === 0 &&
      result.lost === 0 &&
      result.duplicated === 0 &&
      result.numberGaps === 0 &&
      result.auditOk &&
      result.deadLetters === 0;
    await stopActive();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return ok ? 0 : 1;
  } finally {
    await stopActive();
    if (postgresqlUrl) dropPostgresqlDatabase(pgName);
    if (!process.env.CHAOS_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  }
}

const hardStop = setTimeout(
  () => {
    log('out of time; stopping');
    void stopActive().finally(() => process.exit(1));
  },
  (option('timeout-minutes', 30) + 2) * 60_000,
);
hardStop.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void stopActive().finally(() => process.exit(130)));
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
