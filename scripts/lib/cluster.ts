import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../infra/project-root';
import { waitForJetStreamCluster, writeNatsClusterConfigs, type NatsNodePorts } from './nats-cluster';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin';
import { seedDemo } from './seed-demo';
import { freePort, portInUse, startStack, type RunningStack } from './stack';
import { Supervisor, type RestartPolicy } from './supervisor';
import type { ToolPaths } from './tools';

type Log = (line: string) => void;

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

/** The supervised processes of one cluster, stopped together: workers and APIs first, then the services. */
export class SupervisedGroup {
  readonly all: Supervisor[] = [];
  constructor(private readonly options: Pick<ClusterOptions, 'log' | 'onGiveUp' | 'policy'>) {}

  supervise(name: string, spawnChild: () => ChildProcess): Supervisor {
    const s = new Supervisor({ name, spawn: spawnChild, ...this.options });
    this.all.push(s);
    s.start();
    return s;
  }

  async stop(): Promise<void> {
    const clients = this.all.filter((s) => /^(worker|api)/.test(s.name));
    await Promise.all(clients.map((s) => s.stop()));
    await Promise.all(this.all.filter((s) => !clients.includes(s)).map((s) => s.stop(8_000)));
  }
}

/** Three (or `count`) NATS nodes routed to each other, each supervised; resolves once a meta leader is elected. */
export async function startNatsCluster(
  group: SupervisedGroup,
  natsServer: string,
  dataDir: string,
  count: number,
  syncInterval: string | undefined,
  log: Log,
): Promise<{ nats: Supervisor[]; natsPorts: NatsNodePorts[]; natsUrl: string }> {
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const natsPorts: NatsNodePorts[] = [];
  for (let i = 0; i < count; i++)
    natsPorts.push({ client: await freePort(), cluster: await freePort(), monitor: await freePort() });
  const confs = writeNatsClusterConfigs(join(dataDir, 'nats'), natsPorts, syncInterval);
  const nats = confs.map((conf, i) =>
    group.supervise(`nats-${i + 1}`, () =>
      spawnLogged(natsServer, ['-c', conf], join(dataDir, 'logs', `nats-${i + 1}.log`)),
    ),
  );
  await Promise.all(natsPorts.map((p, i) => waitForPort(p.client, `NATS node ${i + 1}`, 20_000)));
  const leader = await waitForJetStreamCluster(
    natsPorts.map((p) => p.monitor),
    30_000,
  );
  const natsUrl = natsPorts.map((p) => `nats://127.0.0.1:${p.client}`).join(',');
  log(`NATS JetStream cluster: ${count} nodes (${natsUrl}), meta leader ${leader}`);
  return { nats, natsPorts, natsUrl };
}

async function startFerretdb(
  group: SupervisedGroup,
  ferretdbBin: string,
  dataDir: string,
  postgresqlUrl: string | undefined,
  log: Log,
): Promise<{ ferretdb: Supervisor; mongoUri: string }> {
  const port = await freePort();
  const sqliteDir = join(dataDir, 'ferretdb');
  mkdirSync(sqliteDir, { recursive: true });
  const backend = postgresqlUrl
    ? ['--handler=postgresql', `--postgresql-url=${postgresqlUrl}`]
    : ['--handler=sqlite', `--sqlite-url=file:${sqliteDir}/`];
  const ferretdb = group.supervise('ferretdb', () =>
    spawnLogged(
      ferretdbBin,
      [`--listen-addr=127.0.0.1:${port}`, ...backend, '--log-level=error'],
      join(dataDir, 'logs', 'ferretdb.log'),
    ),
  );
  await waitForPort(port, 'FerretDB', 30_000);
  log(`FerretDB (${postgresqlUrl ? 'PostgreSQL' : 'SQLite'}) on 127.0.0.1:${port}`);
  return { ferretdb, mongoUri: `mongodb://127.0.0.1:${port}/` };
}

/** `workers` worker processes and `apis` API instances (each on its own port), supervised, once healthy. */
async function startApps(
  group: SupervisedGroup,
  childEnv: NodeJS.ProcessEnv,
  logDir: string,
  counts: { workers: number; apis: number },
): Promise<{ workers: Supervisor[]; apis: Supervisor[]; apiPorts: number[] }> {
  const runner = resolve(projectRoot(), 'bin/run.js');
  const node = (script: string, name: string, env: NodeJS.ProcessEnv) => () =>
    spawnLogged(process.execPath, [runner, script], join(logDir, `${name}.log`), env);
  const workers: Supervisor[] = [];
  for (let i = 1; i <= counts.workers; i++) {
    const env = { ...childEnv, WORKER_METRICS_PORT: String(await freePort()) };
    workers.push(group.supervise(`worker-${i}`, node('workers/main', `worker-${i}`, env)));
  }
  const apiPorts: number[] = [];
  const apis: Supervisor[] = [];
  for (let i = 1; i <= counts.apis; i++) {
    const port = await freePort();
    apiPorts.push(port);
    apis.push(
      group.supervise(`api-${i}`, node('api/server', `api-${i}`, { ...childEnv, PORT: String(port) })),
    );
  }
  await Promise.all(apiPorts.map((p, i) => waitHealthy(p, `API instance ${i + 1}`, 120_000)));
  return { workers, apis, apiPorts };
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
  const group = new SupervisedGroup(options);
  let stack: RunningStack | undefined;
  let proxy: RoundRobinProxy | undefined;
  const stop = async () => {
    await proxy?.close();
    await group.stop();
    await stack?.stop();
  };

  try {
    const proxyPort = options.proxyPort || (await freePort());
    const natsNodes = options.natsNodes ?? 3;
    const nats = await startNatsCluster(
      group,
      tools.natsServer,
      dataDir,
      natsNodes,
      options.env.NATS_SYNC_INTERVAL,
      log,
    );
    const db = await startFerretdb(group, tools.ferretdb, dataDir, options.postgresqlUrl, log);
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
      NATS_URL: nats.natsUrl,
      NATS_REPLICAS: options.env.NATS_REPLICAS ?? String(Math.min(3, natsNodes)),
      MONGODB_URI: db.mongoUri,
      // Links and CRL distribution points name the proxy, not one instance.
      PUBLIC_BASE_URL: options.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${proxyPort}`,
    };
    await seedDemo(childEnv, log);
    const apps = await startApps(group, childEnv, logDir, {
      workers: options.workers ?? 2,
      apis: options.apis ?? 2,
    });
    proxy = await startRoundRobinProxy(apps.apiPorts, proxyPort);
    return {
      ...nats,
      ...db,
      ...apps,
      temporalAddress: stack.temporalAddress,
      temporalUiUrl: stack.temporalUiUrl,
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
