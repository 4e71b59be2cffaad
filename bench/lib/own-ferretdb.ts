import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack } from '../../scripts/lib/stack';
import { ensureTools } from '../../scripts/lib/tools';

/** A FerretDB-on-SQLite server started for one benchmark run: the stack `npm start` gives a province first. */
export interface OwnFerretdb {
  uri: string;
  dataDir: string;
  /** The server's process id (for its resident memory), while it runs. */
  pid(): string;
  /** Bytes under the server's SQLite directory (the database files and their write-ahead logs). */
  diskBytes(): number;
  /** Stops the server; removes its files unless `keep`. */
  stop(keep: boolean): Promise<void>;
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(path) : statSync(path).size;
  }
  return total;
}

/**
 * Starts FerretDB on SQLite files under `dataDir` (a new temporary directory when not given; an existing one is
 * reused with its data, which is how `--keep` then `--reuse` time the same database again).
 */
export async function startOwnFerretdb(
  dataDir: string | undefined,
  log: (line: string) => void,
): Promise<OwnFerretdb> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'lienthong-bench-kpi-'));
  mkdirSync(dir, { recursive: true });
  const mongo = await freePort();
  const stack = await startStack({
    tools: ensureTools(process.env, log),
    dataDir: dir,
    // Only `mongo` is started; the other ports are never opened.
    ports: {
      temporal: 0,
      temporalHttp: 0,
      temporalUi: 0,
      temporalMetrics: 0,
      nats: 0,
      natsMonitor: 0,
      mongo,
    },
    temporalUi: false,
    start: { temporal: false, nats: false, mongo: true },
    log,
  });
  return {
    uri: stack.mongoUri,
    dataDir: dir,
    pid: () => {
      try {
        return readFileSync(join(dir, 'pids', 'ferretdb.pid'), 'utf8').trim();
      } catch {
        return '';
      }
    },
    diskBytes: () => bytesUnder(join(dir, 'ferretdb')),
    stop: async (keep) => {
      await stack.stop();
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}
