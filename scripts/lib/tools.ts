import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { buildFerretDb, FERRETDB_BINARY } from './ferretdb-build';

/** Versions the dev stack is built from (Go module proxy). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
/** 2.10+ for `sync_interval: always` (Debian's 2.9 refuses it). */
export const NATS_SERVER_MODULE = 'github.com/nats-io/nats-server/v2@v2.11.9';

export interface ToolPaths {
  temporal: string;
  ferretdb: string;
  natsServer: string;
}

type Log = (line: string) => void;

/** Where built tools are cached: outside the repo, shared by every clone on the machine. */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LIENTHONG_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lienthong', 'bin');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function goBinary(env: NodeJS.ProcessEnv): string {
  const hint =
    'Install Go (https://go.dev/dl) or set TEMPORAL_CLI / FERRETDB_BIN / NATS_SERVER_BIN to existing binaries.';
  if (env.GO_BIN) {
    if (!isExecutable(env.GO_BIN))
      throw new Error(`Go is not installed at GO_BIN=${env.GO_BIN}, and a tool is missing. ${hint}`);
    return env.GO_BIN;
  }
  const go = onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error(`Go is not installed, and a tool is missing. ${hint}`);
  return go;
}

function goInstall(module: string, cacheDir: string, env: NodeJS.ProcessEnv, log: Log): void {
  const started = Date.now();
  log(`building ${module} into ${cacheDir} (first run only, a few minutes)...`);
  const result = spawnSync(goBinary(env), ['install', module], {
    env: { ...env, GOBIN: cacheDir, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`go install ${module} failed (exit ${result.status ?? result.signal})`);
  log(`built ${module} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Finds each service binary: explicit env var, then PATH, then the cache; builds what is missing with Go.
 * @throws when a tool is missing and cannot be built (no Go, build failure).
 */
export function ensureTools(env: NodeJS.ProcessEnv = process.env, log: Log = () => {}): ToolPaths {
  const cacheDir = toolsCacheDir(env);
  mkdirSync(cacheDir, { recursive: true });

  const fromEnv = (name: string): string | undefined => {
    const value = env[name];
    if (!value) return undefined;
    if (!existsSync(value)) throw new Error(`${name}=${value} does not exist`);
    return value;
  };

  let temporal = fromEnv('TEMPORAL_CLI') ?? onPath('temporal', env);
  if (!temporal) {
    const cached = join(cacheDir, 'temporal');
    if (!isExecutable(cached)) goInstall(TEMPORAL_CLI_MODULE, cacheDir, env, log);
    temporal = cached;
  }

  let ferretdb = fromEnv('FERRETDB_BIN');
  if (!ferretdb) {
    const cached = join(cacheDir, FERRETDB_BINARY);
    if (!isExecutable(cached)) buildFerretDb(goBinary(env), cached, env, log);
    ferretdb = cached;
  }

  // PATH is not searched: distributions ship 2.9, which lacks the fsync policy the exchange relies on.
  let natsServer = fromEnv('NATS_SERVER_BIN');
  if (!natsServer) {
    const cached = join(cacheDir, 'nats-server');
    if (!isExecutable(cached)) goInstall(NATS_SERVER_MODULE, cacheDir, env, log);
    natsServer = cached;
  }

  return { temporal, ferretdb, natsServer };
}

/** Version line of a tool, for logs. */
export function toolVersion(path: string, args: string[] = ['--version']): string {
  try {
    return execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 })
      .split('\n')[0]
      .trim();
  } catch {
    return 'unknown';
  }
}
