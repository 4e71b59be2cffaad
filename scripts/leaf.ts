import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  attachLeafToHub,
  detachLeafFromHub,
  ensureLeafStreams,
  leafDomain,
  leafNatsPassword,
  leafNatsUser,
  renderLeafNodeConfig,
} from '../infra/leaf-node';
import { connectNats } from '../infra/nats';
import { projectRoot } from '../infra/project-root';
import { AgencyCodeSchema } from '../schemas/identity';
import { agencyToken } from '../schemas/edxml';
import { portInUse } from './lib/stack';
import { toolsCacheDir } from './lib/tools';

const USAGE = `Usage:
  npm run leaf -- --agency <code> --hub nats://<province>:7422[,nats://…] [--port 4222] [--host 127.0.0.1]
                  [--monitor-port 8222] [--dir <data dir>] [--print-config]
      At the commune: runs its NATS leaf node (JetStream domain commune-<code>) linked to the province.
      Password of the link: NATS_LEAF_PASSWORD, or derived from NATS_LEAF_SECRET. --print-config prints the
      nats-server config instead, for a node run by systemd or Docker.
  npm run leaf -- --streams-only --agency <code> [--host 127.0.0.1] [--port 4222]
      Creates the commune's streams on a leaf node already running there (idempotent), then exits.
  npm run leaf -- --attach --agency <code>    (or --detach)
      At the province: makes the exchange stream and documents bucket source the commune's node, with the
      system user of NATS_URL / NATS_USER / NATS_PASSWORD.`;

class UsageError extends Error {}

const say = (line: string) => console.log(`[leaf] ${line}`);

function options() {
  const { values } = parseArgs({
    options: {
      agency: { type: 'string' },
      hub: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4222' },
      'monitor-port': { type: 'string', default: '8222' },
      dir: { type: 'string' },
      'print-config': { type: 'boolean', default: false },
      'streams-only': { type: 'boolean', default: false },
      attach: { type: 'boolean', default: false },
      detach: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const agency = AgencyCodeSchema.safeParse(values.agency ?? '');
  if (!agency.success) throw new UsageError(`--agency: expected an agency code such as 000.01.01.H29`);
  const port = (name: 'port' | 'monitor-port') => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name}: not a TCP port`);
    return n;
  };
  return { ...values, agency: agency.data, port: port('port'), monitorPort: port('monitor-port') };
}

/** The nats-server to run: NATS_SERVER_BIN, the one `npm run tools` built (2.11), else the one on PATH. */
function natsServerBinary(env: NodeJS.ProcessEnv): string {
  if (env.NATS_SERVER_BIN) return env.NATS_SERVER_BIN;
  const cached = join(toolsCacheDir(env), 'nats-server');
  try {
    accessSync(cached, constants.X_OK);
    return cached;
  } catch {
    return 'nats-server';
  }
}

function hubPassword(env: NodeJS.ProcessEnv, agency: string): string {
  if (env.NATS_LEAF_PASSWORD) return env.NATS_LEAF_PASSWORD;
  if (env.NATS_LEAF_SECRET) return leafNatsPassword(env.NATS_LEAF_SECRET, agency);
  throw new UsageError(
    'set NATS_LEAF_PASSWORD (or NATS_LEAF_SECRET) to the password the province gave this node',
  );
}

async function attachOrDetach(agency: string, detach: boolean, env: NodeJS.ProcessEnv): Promise<void> {
  if (!env.NATS_URL)
    throw new UsageError('--attach/--detach run at the province: set NATS_URL (and NATS_USER)');
  const nats = await connectNats({
    url: env.NATS_URL,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    name: 'lienthong-leaf-admin',
  });
  try {
    const result = detach ? await detachLeafFromHub(nats, agency) : await attachLeafToHub(nats, agency);
    console.log(JSON.stringify({ agency, domain: leafDomain(agency), ...result }));
  } finally {
    await nats.close();
  }
}

async function ensureStreams(agency: string, host: string, port: number): Promise<void> {
  const local = await connectNats({ url: `nats://${host}:${port}`, name: 'lienthong-leaf-setup' });
  try {
    await ensureLeafStreams(local, agency);
  } finally {
    await local.close();
  }
}

async function waitListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await portInUse(port))) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within 20 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Logs the link's state when it changes, from the node's own monitoring endpoint. */
function watchLink(monitor: string): NodeJS.Timeout {
  let last: number | undefined;
  return setInterval(() => {
    fetch(`${monitor}/leafz`)
      .then((res) => res.json() as Promise<{ leafnodes: number }>)
      .then(({ leafnodes }) => {
        if (leafnodes !== last)
          say(leafnodes > 0 ? 'link to the province: up' : 'link to the province: DOWN (queueing)');
        last = leafnodes;
      })
      .catch(() => undefined);
  }, 2_000);
}

async function runLeaf(opts: ReturnType<typeof options>, env: NodeJS.ProcessEnv): Promise<void> {
  if (!opts.hub)
    throw new UsageError('--hub: the province leafnode URL(s), e.g. nats://tinh.example.vn:7422');
  const dir = resolve(opts.dir ?? join(projectRoot(), '.data', `leaf-${agencyToken(opts.agency)}`));
  const config = renderLeafNodeConfig({
    agency: opts.agency,
    hubUrls: opts.hub.split(','),
    hubUser: leafNatsUser(opts.agency),
    hubPassword: hubPassword(env, opts.agency),
    listen: { host: opts.host, port: opts.port },
    monitorPort: opts.monitorPort,
    storeDir: join(dir, 'jetstream'),
  });
  if (opts['print-config']) {
    process.stdout.write(config);
    return;
  }
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nats-leaf.conf');
  writeFileSync(conf, config, { mode: 0o600 });
  if (await portInUse(opts.port)) throw new Error(`port ${opts.port} is in use: pass --port`);
  const child = spawn(natsServerBinary(env), ['-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('error', (err) => say(`nats-server: ${err.message}`));
  await waitListening(opts.port, child);
  await ensureStreams(opts.agency, opts.host, opts.port);
  say(
    `leaf node of ${opts.agency} on nats://${opts.host}:${opts.port}, JetStream domain ${leafDomain(opts.agency)}`,
  );
  say(
    `the commune's worker and API connect here (NATS_URL=nats://${opts.host}:${opts.port}); Ctrl-C stops it`,
  );
  const timer = watchLink(`http://${opts.host}:${opts.monitorPort}`);
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearInterval(timer);
  if (code !== 0 && code !== null) throw new Error(`nats-server exited with code ${code}`);
}

async function main(): Promise<void> {
  const env = process.env;
  const opts = options();
  if (opts.attach || opts.detach) return attachOrDetach(opts.agency, opts.detach, env);
  if (opts['streams-only']) {
    await ensureStreams(opts.agency, opts.host, opts.port);
    console.log(JSON.stringify({ agency: opts.agency, domain: leafDomain(opts.agency), streams: 'ready' }));
    return;
  }
  return runLeaf(opts, env);
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`leaf: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`leaf: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`leaf: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
