'use strict';
/**
 * Chooses between the compiled build (dist/, made by bin/build.js) and the TypeScript source run through tsx.
 * Compiled code starts several times faster (no tsx, no transpiling on load); the source is used when dist/ is
 * missing or older than a source file, so a development checkout runs what was just edited.
 *
 *   LIENTHONG_DEV=1   always the source through tsx
 *   LIENTHONG_DEV=0   always dist/ when present, without the freshness check (images that ship dist/)
 */
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
/** What the processes run; tests, bench and the dashboard are not compiled. */
const SOURCE_DIRS = [
  'cli',
  'pdf',
  'pki',
  'api',
  'workers',
  'activities',
  'workflows',
  'store',
  'infra',
  'flows',
  'kpi',
  'exchange',
  'edxml',
  'evidence',
  'schemas',
  'scripts',
];
/** Development scripts that import tests/ helpers: run with tsx only. */
const EXCLUDED = new Set(['scripts/pdf-agreement.ts']);

function walk(dir, rel, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) walk(join(dir, e.name), r, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !EXCLUDED.has(r))
      out.push(join(dir, e.name));
  }
}

/** Absolute paths of the TypeScript files bin/build.js compiles. */
function listSources() {
  const out = [];
  for (const d of SOURCE_DIRS) walk(join(ROOT, d), d, out);
  return out;
}

/** dist/ is complete and no source file was modified after the build started (one stat per source file). */
function isFresh() {
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return false;
  }
  for (const f of listSources()) if (statSync(f).mtimeMs > built) return false;
  return true;
}

/**
 * Path to load for a module given without extension relative to the project root (e.g. 'cli/main'): the compiled
 * file, or the source with tsx's CommonJS hook registered.
 */
function resolveEntry(rel) {
  const dev = process.env.LIENTHONG_DEV;
  const compiled = join(DIST, `${rel}.js`);
  if (dev !== '1' && (dev === '0' ? existsSync(compiled) : isFresh())) return compiled;
  require('tsx/cjs');
  return join(ROOT, `${rel}.ts`);
}

module.exports = { ROOT, DIST, STAMP, SOURCE_DIRS, EXCLUDED, listSources, isFresh, resolveEntry };
