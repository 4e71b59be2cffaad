import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../infra/project-root';
import { waitForMetaLeader, writeNatsClusterConfigs, type NatsNodePorts } from './nats-cluster';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin';
import { seedDemo } from './seed-demo';
import { freePort, portInUse, startStack, type RunningStack } from './stack';
import { Supervisor, type RestartPolicy } from './supervisor';
import type { ToolPaths } from './tools';

type Log = (line: string) => void;

/** The local PostgreSQL (trust auth as `postgres`) that FerretDB uses when it answers. */
export const LOCAL_POSTGRESQL_HOST = { host: '127.0.0.1', port: 5432, user: 'postgres' };

/** Whether PostgreSQL answers at 127.0.0.1:5432 as `postgres` without a password. */
export function localPostgresqlAnswers(): boolean {
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

/** Runs one SQL statement on the local PostgreSQL's `postgres` database; returns whether it succeeded. */
function psql(sql: string): { ok: boolean; stderr: string } {
  const r = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atc', sql], {
    timeout: 30_000,
    encoding: 'utf8',
  });
  return { ok: r.status === 0, stderr: r.stderr ?? '' };
}

/** Creates PostgreSQL database `name` unless it exists, and returns FerretDB's URL for it. */
export function ensurePostgresqlDatabase(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad PostgreSQL database name ${name}`);
  const created = psql(`CREATE DATABASE ${name}`);
  if (!created.ok && !created.stderr.includes('already exists'))
    throw new Error(`PostgreSQL: cannot create database ${name}: ${created.stderr.trim()}`);
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** Drops a PostgreSQL database made by ensurePostgresqlDatabase (a chaos run's own). */
export function dropPostgresqlDatabase(name: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad PostgreSQL database name ${name}`);
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export interface ClusterOptions {
  tools: ToolPaths;
  dataDir: string;
  /** The environment the workers and API instances inherit (secrets, log level, limits). */
  env: NodeJS.ProcessEnv;
  /** Port of the round-robin proxy in front of the API instances (0: any free port). */
  proxyPort: number;
  /** FerretDB's PostgreSQL URL; absent: SQLite files under dataDir. */
  postgresqlUrl?: string;
  workers?: number;
  apis?: number;
  natsNodes?: number;
  temporalUi?: boolean;
  policy?: RestartPolicy;
  log: Log;
  /** A supervised process kept crashing: the owner stops the cluster. */
  onGiveUp: (name: string) => void;
}

export interface RunningCluster {
  nats: Supervisor[];
  natsPorts: NatsNodePorts[];
  /** Comma-separated client URLs of every node, as the services get them in NATS_URL. */
  natsUrl: string;
  ferretdb: Supervisor;
  mongoUri: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  workers: Supervisor[];
  apis: Supervisor[];
  apiPorts: number[];
  proxy: RoundRobinProxy;
  proxyUrl: string;
  /** Environment the workers and API instances run with (without their own PORT / WORKER_METRICS_PORT). */
  childEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** A child whose stdout and stderr are appended to `logFile`. */
function spawnLogged(
  command: string,
  args: string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): ChildProcess {
  const out = createWriteStream(logFile, { flags: 'a' });
  // The IPC channel (node children only) closes when this process dies; the child then shuts itself down.
  const node = command === process.execPath;
  const child = spawn(command, args, {
    cwd: projectRoot(),
    env,
    stdio: node ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.on('error', (err) => out.write(`spawn error: ${err.message}\n`));
  return child;
}

async function waitForPort(port: number, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portInUse(port)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} did not open port ${port} within ${timeoutMs / 1000} s; see its log`);
}

async function waitHealthy(port: number, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs / 1000} s; see its log`);
}

/**
 * Starts the clustered stack on this machine: a three-node NATS JetStream cluster (routes on loopback, every
 * stream at NATS_REPLICAS=3), FerretDB (PostgreSQL backend when given, else SQLite), the Temporal dev server, two
 * workers and two API instances, and a round-robin proxy in front of the APIs. NATS nodes, FerretDB, workers and
 * APIs are supervised (restarted with backoff). On a failure during start everything started is stopped.
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { tools, dataDir, log } = options;
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const supervisors: Supervisor[] = [];
  let stack: RunningStack | undefined;
  let proxy: RoundRobinProxy | undefined;
  const supervise = (name: string, spawnChild: () => ChildProcess) => {
    const s = new Supervisor({
      name,
      spawn: spawnChild,
      log,
      onGiveUp: options.onGiveUp,
      policy: options.policy,
    });
    supervisors.push(s);
    s.start();
    return s;
  };
  const stop = async () => {
    await proxy?.close();
    // Workers and APIs first, then the services they use.
    const clients = supervisors.filter((s) => /^(worker|api)/.test(s.name));
    await Promise.all(clients.map((s) => s.stop()));
    await Promise.all(supervisors.filter((s) => !clients.includes(s)).map((s) => s.stop(8_000)));
    await stack?.stop();
  };

  try {
    const proxyPort = options.proxyPort || (await freePort());
    const natsPorts: NatsNodePorts[] = [];
    for (let i = 0; i < (options.natsNodes ?? 3); i++)
      natsPorts.push({ client: await freePort(), cluster: await freePort(), monitor: await freePort() });
    const confs = writeNatsClusterConfigs(join(dataDir, 'nats'), natsPorts, options.env.NATS_SYNC_INTERVAL);
    const nats = confs.map((conf, i) =>
      supervise(`nats-${i + 1}`, () =>
        spawnLogged(tools.natsServer, ['-c', conf], join(logDir, `nats-${i + 1}.log`)),
      ),
    );
    await Promise.all(natsPorts.map((p, i) => waitForPort(p.client, `NATS node ${i + 1}`, 20_000)));
    const leader = await waitForMetaLeader(
      natsPorts.map((p) => p.monitor),
      30_000,
    );
    const natsUrl = natsPorts.map((p) => `nats://127.0.0.1:${p.client}`).join(',');
    log(`NATS JetStream cluster: ${natsPorts.length} nodes (${natsUrl}), meta leader ${leader}`);

    const mongoPort = await freePort();
    const backend = options.postgresqlUrl
      ? ['--handler=postgresql', `--postgresql-url=${options.postgresqlUrl}`]
      : ['--handler=sqlite', `--sqlite-url=file:${join(dataDir, 'ferretdb')}/`];
    mkdirSync(join(dataDir, 'ferretdb'), { recursive: true });
    const ferretdb = supervise('ferretdb', () =>
      spawnLogged(
        tools.ferretdb,
        [`--listen-addr=127.0.0.1:${mongoPort}`, ...backend, '--log-level=error'],
        join(logDir, 'ferretdb.log'),
      ),
    );
    await waitForPort(mongoPort, 'FerretDB', 30_000);
    const mongoUri = `mongodb://127.0.0.1:${mongoPort}/`;
    log(`FerretDB (${options.postgresqlUrl ? 'PostgreSQL' : 'SQLite'}) on 127.0.0.1:${mongoPort}`);

    const unused = await freePort();
    stack = await startStack({
      tools,
      dataDir,
      ports: {
        temporal: await freePort(),
        temporalHttp: await freePort(),
        temporalUi: await freePort(),
        temporalMetrics: await freePort(),
        nats: unused,
        natsMonitor: unused,
        mongo: unused,
      },
      temporalUi: options.temporalUi ?? false,
      start: { temporal: true, nats: false, mongo: false },
      log,
    });

    const childEnv: NodeJS.ProcessEnv = {
      ...options.env,
      LIENTHONG_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      NATS_URL: natsUrl,
      NATS_REPLICAS: options.env.NATS_REPLICAS ?? String(Math.min(3, natsPorts.length)),
      MONGODB_URI: mongoUri,
      // Links and CRL distribution points name the proxy, not one instance.
      PUBLIC_BASE_URL: options.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${proxyPort}`,
    };
    await seedDemo(childEnv, log);

    const runner = resolve(projectRoot(), 'bin/run.js');
    const workers: Supervisor[] = [];
    for (let i = 1; i <= (options.workers ?? 2); i++) {
      const env = { ...childEnv, WORKER_METRICS_PORT: String(await freePort()) };
      workers.push(
        supervise(`worker-${i}`, () =>
          spawnLogged(process.execPath, [runner, 'workers/main'], join(logDir, `worker-${i}.log`), env),
        ),
      );
    }
    const apiPorts: number[] = [];
    const apis: Supervisor[] = [];
    for (let i = 1; i <= (options.apis ?? 2); i++) {
      const port = await freePort();
      apiPorts.push(port);
      const env = { ...childEnv, PORT: String(port) };
      apis.push(
        supervise(`api-${i}`, () =>
          spawnLogged(process.execPath, [runner, 'api/server'], join(logDir, `api-${i}.log`), env),
        ),
      );
    }
    await Promise.all(apiPorts.map((p, i) => waitHealthy(p, `API instance ${i + 1}`, 120_000)));
    proxy = await startRoundRobinProxy(apiPorts, proxyPort);
    return {
      nats,
      natsPorts,
      natsUrl,
      ferretdb,
      mongoUri,
      temporalAddress: stack.temporalAddress,
      temporalUiUrl: stack.temporalUiUrl,
      workers,
      apis,
      apiPorts,
      proxy,
      proxyUrl: `http://127.0.0.1:${proxy.port}`,
      childEnv,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
