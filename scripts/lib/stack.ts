import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import type { ToolPaths } from './tools';

type Log = (line: string) => void;

export interface StackPorts {
  temporal: number;
  temporalHttp: number;
  temporalUi: number;
  temporalMetrics: number;
  nats: number;
  natsMonitor: number;
  mongo: number;
}

export interface StackOptions {
  tools: ToolPaths;
  dataDir: string;
  ports: StackPorts;
  /** Serve the Temporal Web UI (npm start) or not (tests). */
  temporalUi: boolean;
  /** JetStream fsync policy: 'always' (default, every write is on disk before the ack) or a Go duration. */
  natsSyncInterval?: string;
  /** Extra NATS server configuration (accounts, users), written to nats-auth.conf and included. */
  natsAuthConfig?: string;
  /** Which services to start; the others are external (env-provided). */
  start: { temporal: boolean; nats: boolean; mongo: boolean };
  /**
   * FerretDB's storage: SQLite files under dataDir (default), or a PostgreSQL server given by URL (FerretDB keeps
   * each MongoDB database as a schema there). SQLite takes one writer at a time; PostgreSQL commits concurrent
   * writers together.
   */
  ferretdbPostgresqlUrl?: string;
  log?: Log;
}

export interface RunningStack {
  temporalAddress: string;
  natsUrl: string;
  mongoUri: string;
  temporalUiUrl?: string;
  /** Stops every child this stack started, in reverse order. Safe to call twice. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** True when something already listens on 127.0.0.1:port. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolveInUse) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolveInUse(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolveInUse(false);
    });
    socket.once('error', () => resolveInUse(false));
    socket.connect(port, '127.0.0.1');
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  service: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${service} exited during start (code ${child.exitCode ?? child.signalCode}); see its log`,
      );
    }
    if (await portInUse(port)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${service} did not open port ${port} within ${timeoutMs / 1000} s; see its log`);
}

class Children {
  private readonly procs: { name: string; child: ChildProcess }[] = [];

  add(name: string, child: ChildProcess): void {
    this.procs.push({ name, child });
  }

  async stopAll(): Promise<void> {
    for (const { child } of [...this.procs].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    }
    this.procs.length = 0;
  }
}

/**
 * Stops a service left running by an earlier run that was killed before it could clean up (its pid file is still
 * there and the process still runs the same binary), so the new run does not find its ports taken.
 */
function stopStale(pidDir: string, name: string, command: string, log: Log): boolean {
  const pidFile = join(pidDir, `${name}.pid`);
  if (!existsSync(pidFile)) return false;
  let stopped = false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.startsWith(command)) {
      log(`stopping ${name} (pid ${pid}) left running by an earlier run`);
      process.kill(pid, 'SIGKILL');
      stopped = true;
    }
  } catch {
    // Not running any more (or no /proc): nothing to stop.
  }
  rmSync(pidFile, { force: true });
  return stopped;
}

function launch(
  children: Children,
  name: string,
  command: string,
  args: string[],
  logFile: string,
  log: Log,
): ChildProcess {
  const pidDir = join(dirname(logFile), '..', 'pids');
  mkdirSync(pidDir, { recursive: true });
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) writeFileSync(join(pidDir, `${name}.pid`), String(child.pid));
  child.once('exit', () => rmSync(join(pidDir, `${name}.pid`), { force: true }));
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.on('error', (err) => log(`${name}: ${err.message}`));
  children.add(name, child);
  return child;
}

/**
 * Starts the dev service stack (Temporal dev server on SQLite/WAL, NATS with JetStream, FerretDB on SQLite) under
 * `dataDir`, each on its own port, and waits until each accepts connections. On any failure everything already
 * started is stopped before the error propagates, so nothing is left running.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const { ports, dataDir, tools } = options;
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const children = new Children();
  const pidDir = join(dataDir, 'pids');
  const stale = [
    ['nats', tools.natsServer],
    ['ferretdb', tools.ferretdb],
    ['temporal', tools.temporal],
  ] as const;
  let stoppedStale = false;
  for (const [name, command] of stale)
    if (command && stopStale(pidDir, name, command, log)) stoppedStale = true;
  if (stoppedStale) await new Promise((r) => setTimeout(r, 1_000));

  const checkFree = async (port: number, service: string, envVar: string) => {
    if (await portInUse(port)) {
      throw new Error(
        `${service}: port ${port} is already in use. Stop what uses it, set ${envVar} to another port, or point at an existing server.`,
      );
    }
  };

  try {
    if (options.start.nats) {
      await checkFree(ports.nats, 'NATS', 'NATS_PORT');
      const natsDir = join(dataDir, 'nats');
      mkdirSync(natsDir, { recursive: true });
      const authFile = join(natsDir, 'nats-auth.conf');
      writeFileSync(authFile, options.natsAuthConfig ?? '');
      const conf = join(natsDir, 'nats.conf');
      writeFileSync(
        conf,
        [
          `listen: 127.0.0.1:${ports.nats}`,
          `http: 127.0.0.1:${ports.natsMonitor}`,
          `max_payload: 1MB`,
          `jetstream {`,
          `  store_dir: ${JSON.stringify(join(natsDir, 'jetstream'))}`,
          `  sync_interval: ${options.natsSyncInterval ?? 'always'}`,
          `}`,
          `include ./nats-auth.conf`,
          '',
        ].join('\n'),
      );
      const child = launch(children, 'nats', tools.natsServer, ['-c', conf], join(logDir, 'nats.log'), log);
      await waitForPort(ports.nats, child, 'NATS', 20_000);
      log(`NATS JetStream on 127.0.0.1:${ports.nats}`);
    }

    if (options.start.mongo) {
      await checkFree(ports.mongo, 'FerretDB (MongoDB API)', 'MONGO_PORT');
      const sqliteDir = join(dataDir, 'ferretdb');
      mkdirSync(sqliteDir, { recursive: true });
      const pg = options.ferretdbPostgresqlUrl;
      const backend = pg
        ? ['--handler=postgresql', `--postgresql-url=${pg}`]
        : ['--handler=sqlite', `--sqlite-url=file:${sqliteDir}/`];
      const child = launch(
        children,
        'ferretdb',
        tools.ferretdb,
        [`--listen-addr=127.0.0.1:${ports.mongo}`, ...backend, '--log-level=error'],
        join(logDir, 'ferretdb.log'),
        log,
      );
      await waitForPort(ports.mongo, child, 'FerretDB', 30_000);
      log(`FerretDB (MongoDB wire protocol, ${pg ? 'PostgreSQL' : 'SQLite'}) on 127.0.0.1:${ports.mongo}`);
    }

    if (options.start.temporal) {
      await checkFree(ports.temporal, 'Temporal', 'TEMPORAL_PORT');
      const args = [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(ports.temporal),
        '--http-port',
        String(ports.temporalHttp),
        '--metrics-port',
        String(ports.temporalMetrics),
        '--db-filename',
        join(dataDir, 'temporal.sqlite'),
        '--sqlite-pragma',
        'journal_mode=WAL',
        '--sqlite-pragma',
        'synchronous=NORMAL',
        '--log-level',
        'warn',
        // Workflow update is on by default in recent servers; enabled explicitly for older ones.
        '--dynamic-config-value',
        'frontend.enableUpdateWorkflowExecution=true',
      ];
      if (options.temporalUi) args.push('--ui-port', String(ports.temporalUi));
      else args.push('--headless');
      const child = launch(children, 'temporal', tools.temporal, args, join(logDir, 'temporal.log'), log);
      await waitForPort(ports.temporal, child, 'Temporal', 60_000);
      log(`Temporal dev server on 127.0.0.1:${ports.temporal}`);
    }
  } catch (err) {
    await children.stopAll();
    throw err;
  }

  return {
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    natsUrl: `nats://127.0.0.1:${ports.nats}`,
    mongoUri: `mongodb://127.0.0.1:${ports.mongo}/`,
    temporalUiUrl: options.temporalUi ? `http://127.0.0.1:${ports.temporalUi}` : undefined,
    stop: () => children.stopAll(),
  };
}
