import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { portsFromEnv } from './lib/ports';
import { runClusterCommand } from './lib/cluster-command';
import { seedDemo } from './lib/seed-demo';
import { startStack, portInUse, type RunningStack } from './lib/stack';
import { Supervisor, type SupervisedProcess } from './lib/supervisor';
import { ensureTools } from './lib/tools';
import { projectRoot } from '../infra/project-root';
import { formatLogLine } from '../infra/log-format';

const root = projectRoot();
/** On a terminal, the same look as the API's and worker's lines below it; plain text in a pipe or a file. */
const say = process.stdout.isTTY
  ? (line: string) =>
      process.stdout.write(
        formatLogLine(JSON.stringify({ level: 30, time: Date.now(), name: 'lienthong', msg: line }), {
          colour: true,
        }),
      )
  : (line: string) => console.log(`[lienthong] ${line}`);

/** Starts `script` (e.g. 'workers/main') through bin/run.js: compiled from dist/ when it is fresh, else with tsx. */
function startChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [resolve(root, 'bin/run.js'), script], {
    cwd: root,
    env,
    // The IPC channel closes when this process dies, however it dies; the child then shuts itself down.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('error', (err) => say(`${name}: ${err.message}`));
  return child;
}

async function waitHealthy(url: string, child: SupervisedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited during start (code ${child.exitCode})`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = await res.text();
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the API did not become healthy within ${timeoutMs / 1000} s: ${last}`);
}

/**
 * `npm start`: the whole system on one machine. Services given by env (TEMPORAL_ADDRESS, NATS_URL, MONGODB_URI)
 * are used as they are; the others are started under LIENTHONG_DATA_DIR. The worker and the API are supervised
 * (restarted with backoff when they crash, the stack stopped when one keeps crashing). Ctrl-C stops everything it
 * started.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const env = process.env;
  const dataDir = resolve(env.LIENTHONG_DATA_DIR ?? resolve(root, '.data'));
  const ports = portsFromEnv(env);
  const apiPort = Number(env.PORT ?? 8080);
  const external = { temporal: !!env.TEMPORAL_ADDRESS, nats: !!env.NATS_URL, mongo: !!env.MONGODB_URI };

  if (await portInUse(apiPort)) {
    throw new Error(`API: port ${apiPort} is already in use. Stop what uses it or set PORT to another port.`);
  }
  // The leadership dashboard and the agency workspace, each a Vite build served by the API.
  for (const page of ['dashboard', 'workspace']) {
    if (existsSync(resolve(root, page, 'dist/index.html'))) continue;
    say(`building the ${page} (first run only)...`);
    execFileSync(
      process.execPath,
      [resolve(root, 'node_modules/vite/bin/vite.js'), 'build', page, '--logLevel', 'warn'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
  }
  const needTools = !external.temporal || !external.nats || !external.mongo;
  const tools = needTools ? ensureTools(env, say) : { temporal: '', ferretdb: '', natsServer: '' };

  let stack: RunningStack | undefined;
  let api: Supervisor | undefined;
  let worker: Supervisor | undefined;
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping...');
    await Promise.all([api?.stop(), worker?.stop()]);
    await stack?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    stack = await startStack({
      tools,
      dataDir,
      ports,
      temporalUi: true,
      natsSyncInterval: env.NATS_SYNC_INTERVAL ?? 'always',
      start: { temporal: !external.temporal, nats: !external.nats, mongo: !external.mongo },
      log: say,
    });
    const childEnv: NodeJS.ProcessEnv = {
      ...env,
      LIENTHONG_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS ?? stack.temporalAddress,
      NATS_URL: env.NATS_URL ?? stack.natsUrl,
      MONGODB_URI: env.MONGODB_URI ?? stack.mongoUri,
      PORT: String(apiPort),
    };

    await seedDemo(childEnv, say);

    // A crashed worker or API is restarted with backoff; one that keeps crashing stops the stack.
    const supervise = (name: string, script: string) =>
      new Supervisor({
        name,
        spawn: () => startChild(name, script, childEnv),
        log: say,
        onGiveUp: () => void shutdown(1),
      });
    worker = supervise('worker', 'workers/main');
    api = supervise('api', 'api/server');
    worker.start();
    const firstApi = api.start();
    const base = `http://127.0.0.1:${apiPort}`;
    await waitHealthy(`${base}/healthz`, firstApi, 90_000);

    say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    say(`API          ${base}/api/v1   (health ${base}/healthz, metrics ${base}/metrics)`);
    say(`OpenAPI      ${base}/openapi.json   docs ${base}/docs`);
    say(`Dashboard    ${base}/dashboard`);
    say(`Workspace    ${base}/app`);
    if (stack.temporalUiUrl) say(`Temporal UI  ${stack.temporalUiUrl}`);
    say(`sign in as admin / demo, or <role>.<agency code> / demo (e.g. drafter.000.00.32.h29)`);
    say('Ctrl-C stops everything');
  } catch (err) {
    say(`error: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

// `npm start -- --cluster`: the clustered stack instead (scripts/lib/cluster-command.ts).
const run = process.argv.includes('--cluster') ? () => runClusterCommand(say) : main;
void run().catch((err: unknown) => {
  console.error(`[lienthong] error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
