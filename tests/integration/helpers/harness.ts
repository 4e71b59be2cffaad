import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { NativeConnection } from '@temporalio/worker';
import { buildApp, type ProtectedRoutes } from '../../../api/app';
import { connectAppDeps } from '../../../api/connect';
import type { AppDeps } from '../../../api/deps';
import { createLogger } from '../../../infra/logger';
import { installTemporalRuntimeLogger } from '../../../infra/temporal-logger';
import { connectNats, type NatsConnection } from '../../../infra/nats';
import { parseConfig, type Config } from '../../../schemas/config';
import type { Agency } from '../../../schemas/identity';
import { startAppExchangeConsumers, type ExchangeConsumers } from '../../../api/inbox-consumer';
import { AuditStore } from '../../../store/audit-store';
import { IdentityStore } from '../../../store/identity-store';
import { seedDemoProvince } from '../../../store/seed';
import { DEMO_AGENCIES } from '../../../store/demo-province';
import { createLienthongWorker, type WorkerHandle } from '../../../workers/worker';
import { testStack } from './stack-info';
import { api, tokenApi, user, type Api, type DemoRole, type TokenApi } from './api';
import { preparePki } from './pki';
import { waitForInbox, waitForOutgoing, type Polled, type WaitOptions } from './wait';

export { api, inject, tokenApi, user, type Api, type ApiResponse, type DemoRole, type TokenApi } from './api';
export { waitFor, waitForInbox, waitForOutgoing, type Polled, type WaitOptions } from './wait';

export interface Harness {
  config: Config;
  app: FastifyInstance;
  deps: AppDeps;
  worker: WorkerHandle;
  workerNats: NatsConnection;
  /** The agencies' exchange consumers, when started with `exchange: true`. */
  consumers?: ExchangeConsumers;
  /** Logs in and returns the bearer token. */
  login(username: string, password?: string): Promise<string>;
  /** Logs in as the demo user of `role` at `agency` and returns the bearer token. */
  loginAs(role: DemoRole | 'admin', agency?: string): Promise<string>;
  /** The API with `token` (`undefined`: anonymous): `h.api(token).get(url)`, `.post(url, body)`, under /api/v1. */
  api(token: string | undefined): TokenApi;
  /** Waits for the received document `id` at `agency` to satisfy `predicate`; see helpers/wait.ts. */
  waitForInbox(
    agency: string,
    id: string,
    predicate: (item: Polled) => boolean,
    options?: WaitOptions,
  ): Promise<Polled>;
  /** Waits for the outgoing document `id` of `agency` to satisfy `predicate`; see helpers/wait.ts. */
  waitForOutgoing(
    agency: string,
    id: string,
    predicate: (doc: Polled) => boolean,
    options?: WaitOptions,
  ): Promise<Polled>;
  close(): Promise<void>;
}

/** A small province for tests: the province, two departments, two communes (fewer users to hash). */
export const TEST_AGENCIES: Agency[] = [
  DEMO_AGENCIES[0],
  DEMO_AGENCIES[2],
  DEMO_AGENCIES[3],
  DEMO_AGENCIES[13],
  DEMO_AGENCIES[14],
];

/**
 * The real API and a real worker against the suite's private servers, isolated per test file by a fresh
 * database and task queue.
 */
export async function startHarness(
  options: {
    extraRoutes?: ProtectedRoutes[];
    env?: Record<string, string>;
    /** Start every agency's exchange consumers (received documents, statuses). */
    exchange?: boolean;
    /** Issue the CA and these agencies' certificates (`true`: every test agency) before the first test. */
    pki?: boolean | readonly Agency[];
  } = {},
): Promise<Harness> {
  const stack = testStack();
  const id = randomUUID().slice(0, 8);
  const config = parseConfig(
    {
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: `lienthong-test-${id}`,
      NATS_URL: stack.natsUrl,
      MONGODB_URI: stack.mongoUri,
      MONGODB_DB: `lienthong_test_${id}`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      LIENTHONG_KEYSTORE_PASSPHRASE: 'test-keystore-passphrase',
      LOGIN_MAX_PER_USER: '1000',
      LOGIN_MAX_PER_IP: '10000',
      // Each test file gets its own exchange stream, consumers and bucket on the shared NATS server.
      EXCHANGE_NAMESPACE: `t${id}`,
      ...options.env,
    },
    `test-jwt-secret-${randomUUID()}`,
  );
  const logger = createLogger(config.logLevel, 'test');
  try {
    installTemporalRuntimeLogger(logger);
  } catch {
    // Already installed by an earlier harness in this jest worker: the Runtime is a process singleton.
  }
  const { deps, close: closeDeps } = await connectAppDeps(config, logger);
  await seedDemoProvince(new IdentityStore(deps.db!), TEST_AGENCIES);
  const app = await buildApp(deps, options.extraRoutes);

  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const workerNats = await connectNats({ ...config.nats, name: 'lienthong-test-worker' });
  const worker = await createLienthongWorker(
    config,
    connection,
    {
      nats: workerNats,
      audit: new AuditStore(deps.db!),
      pki: deps.pki,
      db: deps.db!,
      exchangeNamespace: config.exchange.namespace,
      longTerm: config.exchange.signing,
      clock: () => new Date(),
      systemAgency: config.systemAgency,
      renewalReminderDays: config.pki.renewalReminderDays,
    },
    logger,
  );
  const running = worker.run();
  const consumers = options.exchange ? await startAppExchangeConsumers(deps, config, logger) : undefined;
  if (options.pki) await preparePki(deps, options.pki === true ? TEST_AGENCIES : options.pki);

  // The waits read as the agency's clerk or drafter, each logged in once.
  let reader: Api | undefined;
  const h: Harness = {
    config,
    app,
    deps,
    worker,
    workerNats,
    consumers,
    async login(username, password = 'demo') {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username, password },
      });
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
      return (res.json() as { token: string }).token;
    },
    loginAs(role, agency) {
      if (role === 'admin') return h.login('admin');
      if (!agency) throw new Error(`loginAs(${role}) needs an agency`);
      return h.login(user(role, agency));
    },
    api: (token) => tokenApi(app, token),
    waitForInbox: (agency, id, predicate, opts) =>
      waitForInbox((reader ??= api(h)), agency, id, predicate, opts),
    waitForOutgoing: (agency, id, predicate, opts) =>
      waitForOutgoing((reader ??= api(h)), agency, id, predicate, opts),
    async close() {
      await consumers?.stop();
      await worker.shutdown();
      await running;
      await connection.close();
      await workerNats.drain().catch(() => undefined);
      await app.close();
      await deps.db!.dropDatabase().catch(() => undefined);
      await closeDeps();
    },
  };
  return h;
}
