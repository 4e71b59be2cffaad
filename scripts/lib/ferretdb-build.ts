import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../infra/project-root';

type Log = (line: string) => void;

/**
 * The cached launcher's file name. It names the patch level below: a machine whose cache holds an earlier build
 * (without the patch) builds this one instead of reusing it.
 */
export const FERRETDB_BINARY = 'lienthong-ferretdb-idpatch1';

/**
 * FerretDB v1.24.2's SQLite backend looks documents up by `_id` with the expression `_ferretdb_sjson->'$._id'`
 * (queries, updates and deletes), but builds the `_id` index on `_ferretdb_sjson->"_id"`. SQLite uses an expression
 * index only for the same expression, so every lookup, update and delete by `_id` scanned the whole table: 96 ms
 * for a miss among 60,000 documents, 57 s among the 10 million audit events of the KPI benchmark. Both spellings
 * mean the same JSON path; the launcher is built with the lookup spelled as the index is, and then searches the
 * index (0.03 ms). Existing databases need nothing: their indexes already have that expression.
 */
const ID_LOOKUP_PATCH = {
  file: 'vendor/github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata/metadata.go',
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->\\"_id\\""`,
};

function run(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string): void {
  const result = spawnSync(go, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
}

/**
 * Builds our FerretDB launcher (scripts/ferretdb, which embeds FerretDB v1 from the module proxy) with the `_id`
 * lookup patch: in a temporary copy, vendors the modules, applies the patch to the vendored copy, builds from it.
 */
export function buildFerretDb(go: string, target: string, env: NodeJS.ProcessEnv, log: Log): void {
  const started = Date.now();
  const src = resolve(projectRoot(), 'scripts/ferretdb');
  log(`building FerretDB v1 launcher from ${src} (first run only, a few minutes)...`);
  const dir = mkdtempSync(join(tmpdir(), 'lienthong-ferretdb-build-'));
  try {
    for (const file of ['go.mod', 'go.sum', 'main.go']) copyFileSync(join(src, file), join(dir, file));
    run(go, ['mod', 'vendor'], dir, { ...env, GOFLAGS: '-mod=mod' }, 'go mod vendor (FerretDB)');
    const patched = join(dir, ID_LOOKUP_PATCH.file);
    const source = readFileSync(patched, 'utf8');
    if (source.split(ID_LOOKUP_PATCH.from).length !== 2)
      throw new Error(
        `the _id lookup patch no longer applies to ${ID_LOOKUP_PATCH.file}: check it against the new version`,
      );
    writeFileSync(patched, source.replace(ID_LOOKUP_PATCH.from, ID_LOOKUP_PATCH.to));
    run(go, ['build', '-mod=vendor', '-o', target, '.'], dir, { ...env, GOFLAGS: '' }, 'building FerretDB');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  log(
    `built FerretDB launcher (with the _id lookup patch) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
