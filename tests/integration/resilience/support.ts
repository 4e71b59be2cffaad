import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../api/app';
import { connectAppDeps } from '../../../api/connect';
import type { AppDeps } from '../../../api/deps';
import { startAppExchangeConsumers, type ExchangeConsumers } from '../../../api/inbox-consumer';
import { createLogger } from '../../../infra/logger';
import { freePort, portInUse } from '../../../scripts/lib/stack';
import { parseConfig, type Config } from '../../../schemas/config';
import { IdentityStore } from '../../../store/identity-store';
import { seedDemoProvince } from '../../../store/seed';
import {
  api as loggedInApi,
  TEST_AGENCIES,
  user,
  waitForInbox,
  waitForOutgoing,
  type ApiResponse,
} from '../helpers/harness';
import { preparePki } from '../helpers/pki';
import { testStack } from '../helpers/stack-info';
import { makePdf } from '../exchange/support';

export type { ApiResponse } from '../helpers/harness';

/** Polls until `condition` holds or the time runs out. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** A NATS server with JetStream (file store, fsync on every write) this test file can stop and start again. */
export class NatsServer {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly conf: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<NatsServer> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'lienthong-resilience-nats-'));
    const conf = join(dir, 'nats.conf');
    writeFileSync(
      conf,
      [
        `listen: 127.0.0.1:${port}`,
        `max_payload: 1MB`,
        `jetstream {`,
        `  store_dir: ${JSON.stringify(join(dir, 'jetstream'))}`,
        `  sync_interval: always`,
        `}`,
        '',
      ].join('\n'),
    );
    return new NatsServer(port, dir, conf);
  }

  /** Starts the server on the same port and store dir as before; resolves when it accepts connections. */
  async start(): Promise<void> {
    const child = spawn(testStack().tools.natsServer, ['-c', this.conf], { stdio: 'ignore' });
    this.child = child;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
        return portInUse(this.port);
      },
      `NATS on port ${this.port}`,
      15_000,
    );
  }

  /** Stops the server (SIGTERM: a clean shutdown, as an operator's restart) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The lienthong worker in a child process (worker-process.ts), so it can be killed and started again. */
export class WorkerProcess {
  private child?: ChildProcess;
  private log = '';
  constructor(private readonly env: Record<string, string>) {}

  /** Starts the worker and resolves once it polls its task queue. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'worker-process.ts')], {
      cwd: join(__dirname, '../../..'),
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let ready = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.includes('ready')) ready = true;
      this.log = (this.log + text).slice(-20_000);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-20_000);
    });
    await waitUntil(
      () => {
        if (child.exitCode !== null)
          throw new Error(`worker exited with ${child.exitCode} during start:\n${this.log}`);
        return ready;
      },
      'the worker process to start',
      60_000,
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last output of the worker, for failure messages. */
  get output(): string {
    return this.log;
  }

  /** SIGKILL: no graceful shutdown, in-flight tasks are lost as in a crash. Waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
  }
}

/**
 * The real API in this process (app, exchange consumers) against a database and exchange namespace of its own,
 * with the worker meant to run elsewhere (a `WorkerProcess` given `workerEnv`).
 */
export interface ResilienceApi {
  config: Config;
  app: FastifyInstance;
  deps: AppDeps;
  /** Environment for a worker process serving this API's task queue, database, NATS and namespace. */
  workerEnv: Record<string, string>;
  call(username: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<ApiResponse>;
  startConsumers(): Promise<void>;
  stopConsumers(): Promise<void>;
  close(): Promise<void>;
}

export async function startResilienceApi(options: {
  natsUrl?: string;
  env?: Record<string, string>;
}): Promise<ResilienceApi> {
  const stack = testStack();
  const id = randomUUID().slice(0, 8);
  const dataDir = mkdtempSync(join(tmpdir(), 'lienthong-resilience-'));
  mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string> = {
    LIENTHONG_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: `lienthong-resilience-${id}`,
    NATS_URL: options.natsUrl ?? stack.natsUrl,
    MONGODB_URI: stack.mongoUri,
    MONGODB_DB: `lienthong_resilience_${id}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    LIENTHONG_KEYSTORE_PASSPHRASE: 'test-keystore-passphrase',
    JWT_SECRET: `resilience-jwt-secret-${randomUUID()}`,
    LOGIN_MAX_PER_USER: '1000',
    LOGIN_MAX_PER_IP: '10000',
    EXCHANGE_NAMESPACE: `r${id}`,
    ...options.env,
  };
  const config = parseConfig(env, env.JWT_SECRET!);
  const logger = createLogger(config.logLevel, 'resilience-api');
  const { deps, close: closeDeps } = await connectAppDeps(config, logger);
  await seedDemoProvince(new IdentityStore(deps.db!), TEST_AGENCIES);
  await preparePki(deps, TEST_AGENCIES);
  const app = await buildApp(deps);

  let consumers: ExchangeConsumers | undefined;
  const login = async (username: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password: 'demo' },
    });
    if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
    return (res.json() as { token: string }).token;
  };

  const { call } = loggedInApi({ app, login });
  const api: ResilienceApi = {
    config,
    app,
    deps,
    workerEnv: env,
    call,
    async startConsumers() {
      if (consumers) return;
      consumers = await startAppExchangeConsumers(deps, config, logger);
    },
    async stopConsumers() {
      await consumers?.stop();
      consumers = undefined;
    },
    async close() {
      await api.stopConsumers();
      await app.close();
      await deps.db!.dropDatabase().catch(() => undefined);
      await closeDeps();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return api;
}

/** A checked API call: throws with the problem details unless the status is the expected one. */
export async function must(
  api: ResilienceApi,
  username: string,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  expected = 200,
): Promise<ApiResponse['body']> {
  const res = await api.call(username, method, url, payload);
  if (res.status !== expected)
    throw new Error(`${method} ${url} as ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Drafts, submits, approves and signs (server-held key) a document from `sender` to `recipients`. */
export async function signedDocument(
  api: ResilienceApi,
  sender: string,
  recipients: string[],
  subject: string,
): Promise<string> {
  const pdf = await makePdf(subject.normalize('NFD').replace(/[^\x20-\x7e]/g, ''));
  const created = await must(
    api,
    user('drafter', sender),
    'POST',
    '/documents',
    {
      type: 'CV',
      subject,
      recipients,
      fileName: 'Công văn.pdf',
      pdfBase64: Buffer.from(pdf).toString('base64'),
    },
    201,
  );
  const id = created.id as string;
  await must(api, user('drafter', sender), 'POST', `/documents/${id}/submit`, {});
  await must(api, user('approver', sender), 'POST', `/documents/${id}/approve`, {});
  await must(api, user('signer', sender), 'POST', `/documents/${id}/sign`, {});
  return id;
}

/**
 * Takes a received document at `recipient` through accept (03), assign, process and complete (06), once it has
 * been verified (01). Returns the incoming number the register gave it.
 */
export async function receiveFully(
  api: ResilienceApi,
  recipient: string,
  inboxId: string,
  timeoutMs = 45_000,
): Promise<number> {
  const clerk = user('clerk', recipient);
  await waitForInbox(api, recipient, inboxId, (v) => v.statusCode === '01' && v.verification !== undefined, {
    what: `${inboxId} verified at ${recipient}`,
    timeoutMs,
  });
  const accepted = await must(api, clerk, 'POST', `/inbox/${inboxId}/accept`, {});
  await must(api, clerk, 'POST', `/inbox/${inboxId}/assign`, { username: clerk });
  await must(api, clerk, 'POST', `/inbox/${inboxId}/process`, {});
  await must(api, clerk, 'POST', `/inbox/${inboxId}/complete`, {});
  return accepted.incomingNumber as number;
}

/** Waits until the sender's document is COMPLETED and returns its detail. */
export async function completed(
  api: ResilienceApi,
  sender: string,
  id: string,
  timeoutMs = 30_000,
): Promise<ApiResponse['body']> {
  return waitForOutgoing(api, sender, id, (d) => d.state === 'COMPLETED', {
    what: `completion of ${id}`,
    timeoutMs,
  });
}

/** Every item of an agency's inbox (all pages). */
export async function inboxItems(api: ResilienceApi, agency: string): Promise<ApiResponse['body'][]> {
  const items: ApiResponse['body'][] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await must(api, user('clerk', agency), 'GET', `/inbox?limit=200&offset=${offset}`);
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

/** Every outgoing document of an agency (all pages). */
export async function outgoingItems(api: ResilienceApi, agency: string): Promise<ApiResponse['body'][]> {
  const items: ApiResponse['body'][] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await must(api, user('clerk', agency), 'GET', `/documents?limit=200&offset=${offset}`);
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

/** 1..n in order: a register without gaps or duplicates. */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
