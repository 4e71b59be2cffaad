#!/usr/bin/env node
'use strict';
/**
 * Compiles the runtime TypeScript into dist/ (same layout as the source) with @swc/core: type-stripping only, the
 * type check stays `npm run typecheck`. Plain JavaScript so it runs from `prepare` before anything else exists.
 *
 *   node bin/build.js             build when dist/ is missing or older than a source file
 *   node bin/build.js --force     always build
 *
 * Without devDependencies (`npm ci --omit=dev`) @swc/core is absent: the build is skipped with a note and the
 * launchers run the source through tsx, a production dependency, so nothing breaks.
 */
const { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');
const { ROOT, DIST, STAMP, SOURCE_DIRS, EXCLUDED, listSources, isFresh } = require('./runtime');

async function build() {
  const started = Date.now();
  let swc;
  try {
    swc = require('@swc/core');
  } catch {
    process.stderr.write(
      'lienthong build: @swc/core not installed (devDependencies omitted); skipped, source runs through tsx\n',
    );
    return;
  }
  // The stamp goes first: a half-written dist/ is stale, so the launchers use tsx until the build completes.
  rmSync(STAMP, { force: true });
  const sources = listSources();
  const options = {
    jsc: {
      parser: { syntax: 'typescript' },
      target: 'es2022',
      // Class names survive for error messages and Temporal's failure types.
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: true,
  };
  const expected = new Set();
  await Promise.all(
    sources.map(async (file) => {
      const rel = relative(ROOT, file).replace(/\.ts$/, '.js');
      const out = join(DIST, rel);
      expected.add(out);
      const { code, map } = await swc.transform(readFileSync(file, 'utf8'), {
        ...options,
        filename: file,
        sourceFileName: relative(dirname(out), file),
      });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${code}\n//# sourceMappingURL=${rel.split('/').pop()}.map\n`);
      writeFileSync(`${out}.map`, map);
    }),
  );
  // Output of a deleted source would otherwise stay loadable from dist/.
  removeOrphans(DIST, expected);
  writeFileSync(STAMP, `${sources.length} files\n`);
  // The stamp carries the build's start time: a source saved during the build is newer, so dist/ counts as stale.
  const t = new Date(started);
  utimesSync(STAMP, t, t);
  process.stderr.write(`lienthong build: ${sources.length} files into dist/ in ${Date.now() - started} ms\n`);
}

function removeOrphans(dir, expected) {
  const { readdirSync } = require('node:fs');
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) removeOrphans(p, expected);
    else if (p.endsWith('.js') && !expected.has(p)) rmSync(p);
    else if (p.endsWith('.js.map') && !expected.has(p.slice(0, -4))) rmSync(p);
  }
}

if (require.main === module) {
  const force = process.argv.includes('--force');
  if (!force && isFresh()) process.exit(0);
  build().catch((err) => {
    process.stderr.write(`lienthong build failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}

module.exports = { build, SOURCE_DIRS, EXCLUDED };
