/**
 * Exchange benchmark: `npx tsx bench/exchange.ts [--documents N] [--concurrency C] [--recipients 1,3,10]
 * [--database auto|sqlite|postgresql[=URL]] [--cluster]`
 * (npm run bench:exchange).
 *
 * `--cluster`: NATS as a three-node JetStream cluster on loopback with every stream and the object store at three
 * replicas (as `npm run cluster` runs it) instead of one server, so the two runs side by side show what replication
 * costs the exchange. (The whole clustered stack with two workers and two APIs is measured by `npm run chaos --
 * --faults 0`.)
 *
 * Starts a private dev stack (Temporal dev server on SQLite/WAL, NATS 2.11 with JetStream fsync always, FerretDB on
 * the local PostgreSQL or on SQLite, see --database) on free ports in a temp dir, the API and the lienthong worker in this process, and drives N documents
 * through the whole path via the HTTP API (app.inject): draft → submit → approve (default flow) → sign (server-held
 * personal key) → issue (number + organisation signature, so two signatures) → each recipient's clerk accepts (03)
 * as soon as the document arrives verified (01). Once per recipient count given (default 1 and 3).
 *
 * Next to it, on the same Temporal server in the same run, a no-op workflow runs as many activities as one
 * document's exchange did (counted from the recorded histories: the sender's chain, then one parallel branch per
 * recipient), with its own worker and task queue: the engine's floor.
 *
 * Reports documents/s fully exchanged (first draft to the last recipient's 03 seen by the sender) and the p50/p95
 * latency from issue to 03 at every recipient; the no-op row gives workflows/s and the workflow's duration.
 * Latencies include the drivers' polling every 200 ms: each recipient's clerk lists the agency's inbox (one request
 * per agency, however many documents it awaits) for 01, the drafter reads the document for 03. A request that
 * fails is counted and the document retried from its last step; the run only fails when a document cannot
 * finish. The last line of stdout is one JSON object for machines: `{"runs":[{"recipients":N,"docsPerSec":x,
 * "noopDocsPerSec":y,"p50IssueTo03Ms":a,"p95IssueTo03Ms":b,"noopP95Ms":c}],...}` with the process's peak RSS
 * (API, consumers and worker share it).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Registry } from 'prom-client';
import { buildApp } from '../api/app';
import { connectAppDeps } from '../api/connect';
import { startAppExchangeConsumers } from '../api/inbox-consumer';
import { createLogger } from '../infra/logger';
import { connectNats } from '../infra/nats';
import { installTemporalRuntimeLogger } from '../infra/temporal-logger';
import { SupervisedGroup, startNatsCluster } from '../scripts/lib/cluster';
import { freePort, startStack } from '../scripts/lib/stack';
import { ensureTools } from '../scripts/lib/tools';
import { parseConfig } from '../schemas/config';
import { documentWorkflowId, incomingId, receivedWorkflowId } from '../schemas/document';
import { AuditStore } from '../store/audit-store';
import { DEMO_AGENCIES, demoUsername } from '../store/demo-province';
import { IdentityStore } from '../store/identity-store';
import { seedDemoProvince } from '../store/seed';
import { createLienthongWorker } from '../workers/worker';
import { DatabaseProfile } from './lib/database-profile';
import {
  describeWork,
  historySpans,
  padMs,
  payloadBytes,
  temporalWork,
  type HistoryEvent,
  type TemporalWork,
} from './lib/history';
import { InboxWatch } from './lib/inbox-watch';
import { percentile } from './lib/percentile';
import { cpuBetween, cpuByCommand } from './lib/process-cpu';
import type { NoopExchangeInput } from './lib/noop-workflow';

const SENDER = '000.01.01.H29';
/** Recipients in the order runs take them: the province and two departments first, then communes and others. */
const RECIPIENTS = [
  '000.00.00.H29',
  '000.00.32.H29',
  '000.00.33.H29',
  ...DEMO_AGENCIES.map((a) => a.code).filter(
    (c) => c !== SENDER && !['000.00.00.H29', '000.00.32.H29', '000.00.33.H29'].includes(c),
  ),
];
const NOOP_TASK_QUEUE = 'bench-noop-exchange';
/**
 * How often the drivers poll for 01 and 03. At 50 ms the polls were the run's largest database load (53 reads of
 * incoming documents per three-recipient document, more than all the exchange's own reads): load a real clerk's page
 * does not make, which slowed the system being measured. 200 ms adds at most 0.4 s to a document's latency.
 */
const POLL_MS = 200;
/** A document not fully exchanged after this long fails the run instead of hanging it. */
const DOCUMENT_TIMEOUT_MS = 10 * 60_000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function recipientCounts(): number[] {
  const i = process.argv.indexOf('--recipients');
  const counts = (i >= 0 ? process.argv[i + 1]! : '1,3').split(',').map(Number);
  for (const k of counts)
    if (!Number.isInteger(k) || k < 1 || k > RECIPIENTS.length)
      throw new Error(`--recipients takes counts from 1 to ${RECIPIENTS.length}, comma-separated`);
  return counts;
}

const LOCAL_POSTGRESQL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether the local PostgreSQL answers as `postgres` without a password (this kind of machine runs one). */
function localPostgresqlAnswers(): boolean {
  const probe = spawnSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atc', 'select 1'],
    {
      timeout: 5_000,
      encoding: 'utf8',
    },
  );
  return probe.status === 0 && probe.stdout.trim() === '1';
}

/**
 * `--database auto` (default: FerretDB on the local PostgreSQL when it answers, otherwise on SQLite files as
 * `npm start`), `--database sqlite`, or `--database postgresql[=URL]`. On PostgreSQL each run uses its own database
 * name and drops it at the end. Both keep every commit durable (SQLite's and PostgreSQL's defaults): SQLite takes one
 * writer at a time, PostgreSQL commits concurrent writers together, which is what the exchange's writes need.
 */
function ferretdbPostgresqlUrl(): string | undefined {
  const i = process.argv.indexOf('--database');
  const value = i >= 0 ? process.argv[i + 1]! : 'auto';
  if (value === 'auto') return localPostgresqlAnswers() ? LOCAL_POSTGRESQL : undefined;
  if (value === 'sqlite') return undefined;
  if (value === 'postgresql') return LOCAL_POSTGRESQL;
  if (value.startsWith('postgresql=')) return value.slice('postgresql='.length);
  throw new Error('--database takes auto, sqlite, postgresql or postgresql=URL');
}

const N = option('documents', 20);
const POSTGRESQL_URL = ferretdbPostgresqlUrl();
const CONCURRENCY = option('concurrency', 10);
const RECIPIENT_COUNTS = recipientCounts();
const CLUSTER = process.argv.includes('--cluster');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `count` jobs with at most `limit` at a time. */
async function pool<T>(count: number, limit: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await job(i);
    }
  });
  await Promise.all(lanes);
  return results;
}

interface RunResult {
  label: string;
  perSecond: number;
  p50: number;
  p95: number;
  activities: number;
  failedDocuments?: number;
  failedRequests?: number;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const tools = ensureTools(process.env, log);
  const dataDir = mkdtempSync(join(tmpdir(), 'lienthong-bench-'));
  const ports = {
    temporal: await freePort(),
    temporalHttp: await freePort(),
    temporalUi: await freePort(),
    temporalMetrics: await freePort(),
    nats: await freePort(),
    natsMonitor: await freePort(),
    mongo: await freePort(),
  };
  const natsGroup = new SupervisedGroup({ log, onGiveUp: (name) => log(`${name} keeps crashing`) });
  const natsCluster = CLUSTER
    ? await startNatsCluster(natsGroup, tools.natsServer, dataDir, 3, 'always', log)
    : undefined;
  const stack = await startStack({
    tools,
    dataDir,
    ports,
    temporalUi: false,
    natsSyncInterval: 'always',
    start: { temporal: true, nats: !CLUSTER, mongo: true },
    ferretdbPostgresqlUrl: POSTGRESQL_URL,
    log,
  });
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const config = parseConfig(
      {
        LIENTHONG_DATA_DIR: dataDir,
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TEMPORAL_TASK_QUEUE: 'bench-lienthong',
        NATS_URL: natsCluster?.natsUrl ?? stack.natsUrl,
        NATS_REPLICAS: CLUSTER ? '3' : '1',
        MONGODB_URI: DatabaseProfile.withCommandMonitoring(stack.mongoUri),
        // Unique per run: on PostgreSQL the database outlives the run's temp dir until it is dropped at the end.
        MONGODB_DB: `lienthong_bench_${randomUUID().slice(0, 8)}`,
        // pino writes to stdout, where the table goes.
        LOG_LEVEL: 'fatal',
        LIENTHONG_KEYSTORE_PASSPHRASE: 'bench-keystore-passphrase',
        LOGIN_MAX_PER_USER: '100000',
        LOGIN_MAX_PER_IP: '100000',
      },
      `bench-jwt-secret-${randomUUID()}`,
    );
    const logger = createLogger(config.logLevel, 'bench');
    installTemporalRuntimeLogger(logger);
    const { deps, close } = await connectAppDeps(config, logger);
    cleanups.push(close);
    if (POSTGRESQL_URL) cleanups.unshift(() => deps.db!.dropDatabase());
    const agencies = DEMO_AGENCIES.filter((a) => a.code === SENDER || RECIPIENTS.includes(a.code));
    await seedDemoProvince(new IdentityStore(deps.db!), agencies);
    const issuedAt = new Date(Date.now() - 10 * 60_000);
    await deps.pki.ensureCa(issuedAt);
    for (const agency of agencies) {
      const signer = await deps.identity.getUser(demoUsername('signer', agency.code));
      await deps.pki.ensureAgencyCertificates(agency, signer ? [signer] : [], issuedAt);
    }
    const app = await buildApp(deps);
    cleanups.unshift(() => app.close());
    const database = new DatabaseProfile(deps.db!.client);

    const connection = await NativeConnection.connect({ address: config.temporal.address });
    cleanups.push(() => connection.close());
    const workerNats = await connectNats({ ...config.nats, name: 'lienthong-bench-worker' });
    cleanups.push(() => workerNats.drain());
    const worker = await createLienthongWorker(
      config,
      connection,
      {
        nats: workerNats,
        audit: new AuditStore(deps.db!),
        pki: deps.pki,
        db: deps.db!,
        exchangeNamespace: config.exchange.namespace,
        natsReplicas: config.nats.replicas,
        longTerm: config.exchange.signing,
        clock: () => new Date(),
        systemAgency: config.systemAgency,
        renewalReminderDays: config.pki.renewalReminderDays,
      },
      logger,
    );
    const workerRunning = worker.run();
    cleanups.unshift(async () => {
      await worker.shutdown();
      await workerRunning;
    });
    const noopWorker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: NOOP_TASK_QUEUE,
      workflowsPath: require.resolve('./lib/noop-workflow'),
      activities: { noop: async (step: number) => step },
    });
    const noopRunning = noopWorker.run();
    cleanups.unshift(async () => {
      noopWorker.shutdown();
      await noopRunning;
    });
    const consumers = await startAppExchangeConsumers(deps, config, logger);
    cleanups.unshift(() => consumers.stop());

    const tokens = new Map<string, string>();
    /** Requests answered 5xx: reported, never hidden; a document whose POST failed is counted as failed. */
    const failures: string[] = [];
    const call = async (
      role: 'drafter' | 'approver' | 'signer' | 'clerk',
      agency: string,
      method: 'GET' | 'POST',
      url: string,
      payload?: unknown,
      // The bench reads a few fields of the API's answers; the API validates them against its schemas.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
    ): Promise<any> => {
      const username = demoUsername(role, agency);
      let token = tokens.get(username);
      if (!token) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { username, password: 'demo' },
        });
        if (res.statusCode >= 500) failures.push(`login: ${res.statusCode} ${res.body.slice(0, 200)}`);
        if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
        token = (res.json() as { token: string }).token;
        tokens.set(username, token);
      }
      const res = await app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${token}` },
        payload: payload as never,
      });
      const expected = method === 'POST' && url === '/documents' ? 201 : 200;
      if (res.statusCode >= 500)
        failures.push(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      // A poll tries again on 404 before the document arrives, and after a failure.
      if (method === 'GET' && (res.statusCode === 404 || res.statusCode >= 500)) return undefined;
      if (res.statusCode !== expected)
        throw new Error(`${method} ${url} as ${username}: ${res.statusCode} ${res.body}`);
      return res.json();
    };

    const inboxes = new InboxWatch(
      async (agency) => (await call('clerk', agency, 'GET', '/inbox?limit=50'))?.items,
      POLL_MS,
    );

    const pdf = await onePagePdf();
    const pdfBase64 = Buffer.from(pdf).toString('base64');

    /** One document through the whole path; returns [full path ms, issue→03 ms] and the document id. */
    const exchangeOne = async (recipients: string[], i: number) => {
      const t0 = performance.now();
      const created = await call('drafter', SENDER, 'POST', '/documents', {
        type: 'CV',
        subject: `Công văn thử tải số ${i}`,
        recipients,
        fileName: 'cong-van.pdf',
        pdfBase64,
      });
      const id = created.id as string;
      await call('drafter', SENDER, 'POST', `/documents/${id}/submit`, {});
      await call('approver', SENDER, 'POST', `/documents/${id}/approve`, {});
      await call('signer', SENDER, 'POST', `/documents/${id}/sign`, {});
      const tIssue = performance.now();
      await call('clerk', SENDER, 'POST', `/documents/${id}/issue`, {});
      const inboxId = incomingId(SENDER, id);
      const deadline = tIssue + DOCUMENT_TIMEOUT_MS;
      const due = (what: string) => {
        if (performance.now() > deadline)
          throw new Error(`${id}: no ${what} within ${DOCUMENT_TIMEOUT_MS} ms`);
      };
      await Promise.all(
        recipients.map(async (r) => {
          const arrived = await inboxes.arrival(r, inboxId, deadline);
          if (arrived.statusCode === '02') {
            const refused = await call('clerk', r, 'GET', `/inbox/${inboxId}`);
            throw new Error(`${r} rejected ${id}: ${refused?.reason}`);
          }
          await call('clerk', r, 'POST', `/inbox/${inboxId}/accept`, {});
        }),
      );
      for (;;) {
        const doc = await call('drafter', SENDER, 'GET', `/documents/${id}`);
        if (doc?.recipients.every((r: { statusCode: string }) => r.statusCode === '03')) break;
        due('03 at the sender');
        await sleep(POLL_MS);
      }
      const tDone = performance.now();
      return { id, full: tDone - t0, issueTo03: tDone - tIssue };
    };

    /** Activities one document's exchange ran, from its workflows' histories. */
    const activityShape = async (id: string, recipients: string[]): Promise<NoopExchangeInput> => {
      const count = async (workflowId: string) => {
        const history = await deps.temporal!.workflow.getHandle(workflowId).fetchHistory();
        return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
      };
      const sender = await count(documentWorkflowId(SENDER, id));
      const perRecipient = await Promise.all(recipients.map((r) => count(receivedWorkflowId(r, SENDER, id))));
      return {
        senderActivities: sender,
        recipients: recipients.length,
        activitiesPerRecipient: Math.max(...perRecipient),
      };
    };

    /**
     * Where one document's time went, from its workflows' histories: waiting for and running workflow tasks, waiting
     * for and running activities, and the rest (signals, timers, waiting for people or other agencies).
     */
    const historyBreakdown = async (
      id: string,
      recipients: string[],
    ): Promise<{ text: string; work: TemporalWork }> => {
      const lines: string[] = [];
      const histories: HistoryEvent[][] = [];
      const ids = [
        ['sender', documentWorkflowId(SENDER, id)],
        ...recipients.map((r) => [r, receivedWorkflowId(r, SENDER, id)]),
      ];
      for (const [who, workflowId] of ids) {
        const history = await deps.temporal!.workflow.getHandle(workflowId!).fetchHistory();
        histories.push(history.events ?? []);
        const t = historySpans(history.events ?? []);
        // What the Temporal server stores and replays for this workflow: events and their payloads' bytes.
        const kb = payloadBytes(history) / 1024;
        lines.push(
          `  ${who!.padEnd(14)} history ${padMs(t.wall)}: workflow tasks queued ${padMs(t.wftQueued)} running ` +
            `${padMs(t.wftRunning)}, activities queued ${padMs(t.actQueued)} running ${padMs(t.actRunning)} (${t.activities}); ` +
            `${history.events?.length ?? 0} events, ${kb.toFixed(0)} KiB of payloads`,
        );
      }
      return { text: lines.join('\n'), work: temporalWork(histories) };
    };

    const runExchange = async (recipients: string[]): Promise<{ row: RunResult; sample: string }> => {
      const started = performance.now();
      const failedBefore = failures.length;
      const outcomes = await pool(N, CONCURRENCY, (i) =>
        exchangeOne(recipients, i).catch((err: unknown) => {
          failures.push(`document ${i}: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        }),
      );
      const elapsed = performance.now() - started;
      const results = outcomes.filter((r) => r !== undefined);
      if (results.length === 0) throw new Error(`no document finished: ${failures.slice(-3).join('; ')}`);
      const lat = results.map((r) => r.issueTo03);
      return {
        sample: results[0]!.id,
        row: {
          label: 'lienthong',
          perSecond: (results.length * 1000) / elapsed,
          p50: percentile(lat, 0.5),
          p95: percentile(lat, 0.95),
          activities: 0,
          failedDocuments: N - results.length,
          failedRequests: failures.length - failedBefore,
        },
      };
    };

    const runNoop = async (shape: NoopExchangeInput): Promise<{ run: RunResult; work: TemporalWork }> => {
      const started = performance.now();
      const ids: string[] = [];
      const durations = await pool(N, CONCURRENCY, async (i) => {
        const t0 = performance.now();
        ids[i] = `bench-noop-${randomUUID()}`;
        await deps.temporal!.workflow.execute('noopExchangeWorkflow', {
          taskQueue: NOOP_TASK_QUEUE,
          workflowId: ids[i],
          args: [shape],
        });
        return performance.now() - t0;
      });
      const elapsed = performance.now() - started;
      const history = await deps.temporal!.workflow.getHandle(ids[0]!).fetchHistory();
      return {
        run: {
          label: 'no-op floor',
          perSecond: (N * 1000) / elapsed,
          p50: percentile(durations, 0.5),
          p95: percentile(durations, 0.95),
          activities: shape.senderActivities + shape.recipients * shape.activitiesPerRecipient,
        },
        work: temporalWork([history.events ?? []]),
      };
    };

    log('warming up (one document, one no-op workflow)');
    const warm = await exchangeOne(RECIPIENTS.slice(0, 1), -1);
    await runNoopOnce(deps.temporal!, await activityShape(warm.id, RECIPIENTS.slice(0, 1)));

    const table: { recipients: number; real: RunResult; noop: RunResult }[] = [];
    for (const k of RECIPIENT_COUNTS) {
      const recipients = RECIPIENTS.slice(0, k);
      log(`${N} documents to ${k} recipient(s), ${CONCURRENCY} at a time`);
      worker.metrics.resetMetrics();
      database.reset();
      const cpuBefore = cpuByCommand();
      const { row, sample } = await runExchange(recipients);
      log(`CPU by process during the run (${k} recipient(s)):\n${cpuTable(cpuBefore, cpuByCommand())}`);
      log(`where the worker's time went (${k} recipient(s)):\n${await activityBreakdown(worker.metrics)}`);
      log(
        `database commands (${k} recipient(s), ${(database.writes() / N).toFixed(0)} writes per document):\n` +
          database.table(N),
      );
      const shape = await activityShape(sample, recipients);
      const histories = await historyBreakdown(sample, recipients);
      log(`one document's workflows (the run's first, ${sample}):\n${histories.text}`);
      row.activities = shape.senderActivities + shape.recipients * shape.activitiesPerRecipient;
      log(`no-op workflow with ${row.activities} activities, ${N} runs, ${CONCURRENCY} at a time`);
      const noopCpuBefore = cpuByCommand();
      const { run: noop, work: noopWork } = await runNoop(shape);
      log(`CPU by process during the no-op run:\n${cpuTable(noopCpuBefore, cpuByCommand())}`);
      // The floor runs the same activities in one workflow: the rest of the exchange's Temporal work (a workflow per
      // recipient, the human steps as updates, the statuses as signals) is cost the floor does not have.
      log(
        `Temporal work per document: lienthong ${describeWork(histories.work)}; ` +
          `floor ${describeWork(noopWork)}`,
      );
      table.push({ recipients: k, real: row, noop });
      // Each row as soon as it is measured: a later, longer run that fails or is stopped keeps the earlier ones.
      log(
        `${k} recipient(s): ${row.perSecond.toFixed(2)} docs/s (floor ${noop.perSecond.toFixed(2)}), ` +
          `p50 ${row.p50.toFixed(0)} ms, p95 ${row.p95.toFixed(0)} ms (floor p95 ${noop.p95.toFixed(0)} ms), ` +
          `${row.failedDocuments ?? 0} documents and ${row.failedRequests ?? 0} requests failed`,
      );
    }
    printTable(table);
    for (const f of failures.slice(0, 20)) log(`failed: ${f}`);
    printJson(table);
  } catch (err) {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await stack.stop();
    await natsGroup.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function runNoopOnce(
  client: NonNullable<Awaited<ReturnType<typeof connectAppDeps>>['deps']['temporal']>,
  shape: NoopExchangeInput,
): Promise<void> {
  await client.workflow.execute('noopExchangeWorkflow', {
    taskQueue: NOOP_TASK_QUEUE,
    workflowId: `bench-noop-warmup-${randomUUID()}`,
    args: [shape],
  });
}

async function onePagePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595.28, 841.89]).drawText('Cong van thu tai', { x: 72, y: 760, size: 12, font });
  return doc.save({ useObjectStreams: false });
}

function printTable(rows: { recipients: number; real: RunResult; noop: RunResult }[]): void {
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(i === 0 ? 13 : 12) : c.padStart(14))).join(' ');
  const out: string[] = [];
  out.push(
    `\nlienthong exchange benchmark: ${N} documents per run, ${CONCURRENCY} at a time, two signatures each`,
    `Temporal dev server (SQLite WAL), NATS 2.11 JetStream (fsync always${CLUSTER ? ', 3-node cluster, 3 replicas' : ', one server'}), FerretDB (${POSTGRESQL_URL ? 'PostgreSQL' : 'SQLite'}), one worker`,
    'lienthong latency: issue → 03 at every recipient seen by the sender; no-op latency: workflow start → end\n',
    line(['recipients', 'run', 'docs/s', 'p50', 'p95', 'activities']),
  );
  for (const { recipients, real, noop } of rows) {
    out.push(
      line([
        String(recipients),
        real.label,
        real.perSecond.toFixed(2),
        ms(real.p50),
        ms(real.p95),
        String(real.activities),
      ]),
      line(['', noop.label, noop.perSecond.toFixed(2), ms(noop.p50), ms(noop.p95), String(noop.activities)]),
      line([
        '',
        'ratio',
        `${(noop.perSecond / real.perSecond).toFixed(1)}× slower`,
        `${(real.p50 / noop.p50).toFixed(1)}×`,
        `${(real.p95 / noop.p95).toFixed(1)}×`,
        '',
      ]),
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The machine's CPU seconds by process between two snapshots, and per document (the node row is this process). */
function cpuTable(before: Map<string, number>, after: Map<string, number>): string {
  const rows = cpuBetween(before, after).slice(0, 8);
  return rows
    .map(
      ([comm, s]) =>
        `  ${comm.padEnd(20)} ${s.toFixed(1).padStart(7)} s  ${((s / N) * 1000).toFixed(0).padStart(6)} ms/doc`,
    )
    .join('\n');
}

/** Per activity: attempts, mean and total time running, mean time queued (from the worker's histograms). */
async function activityBreakdown(registry: Registry): Promise<string> {
  const rows = new Map<string, { n: number; run: number; queued: number }>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const field =
      metric.name === 'lienthong_activity_duration_seconds'
        ? 'run'
        : metric.name === 'lienthong_activity_queued_seconds'
          ? 'queued'
          : undefined;
    if (!field) continue;
    for (const v of metric.values as {
      value: number;
      labels: Record<string, unknown>;
      metricName?: string;
    }[]) {
      const activity = String(v.labels.activity);
      const row = rows.get(activity) ?? { n: 0, run: 0, queued: 0 };
      if (v.metricName?.endsWith('_sum')) row[field] = v.value;
      if (field === 'run' && v.metricName?.endsWith('_count')) row.n = v.value;
      rows.set(activity, row);
    }
  }
  const sorted = [...rows.entries()].sort((a, b) => b[1].run - a[1].run);
  return sorted
    .map(
      ([name, r]) =>
        `  ${name.padEnd(26)} ${String(r.n).padStart(5)} × ${((r.run / Math.max(1, r.n)) * 1000).toFixed(1).padStart(7)} ms` +
        ` = ${r.run.toFixed(1).padStart(6)} s running, queued ${((r.queued / Math.max(1, r.n)) * 1000).toFixed(1).padStart(7)} ms each`,
    )
    .join('\n');
}

function printJson(rows: { recipients: number; real: RunResult; noop: RunResult }[]): void {
  const round = (v: number, digits = 0) => Number(v.toFixed(digits));
  const runs = rows.map(({ recipients, real, noop }) => ({
    recipients,
    docsPerSec: round(real.perSecond, 3),
    noopDocsPerSec: round(noop.perSecond, 3),
    p50IssueTo03Ms: round(real.p50),
    p95IssueTo03Ms: round(real.p95),
    noopP95Ms: round(noop.p95),
    floorShare: round(real.perSecond / noop.perSecond, 3),
    p95Ratio: round(real.p95 / noop.p95, 2),
    activities: real.activities,
    failedDocuments: real.failedDocuments ?? 0,
    failedRequests: real.failedRequests ?? 0,
  }));
  // maxRSS is in kilobytes; the API, its consumers and the worker run in this one process.
  const peakRssMb = round(process.resourceUsage().maxRSS / 1024);
  const database = POSTGRESQL_URL ? 'ferretdb-postgresql' : 'ferretdb-sqlite';
  process.stdout.write(
    `${JSON.stringify({ runs, documents: N, concurrency: CONCURRENCY, database, nats: CLUSTER ? 'cluster-r3' : 'single', peakRssMb })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/exchange: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
