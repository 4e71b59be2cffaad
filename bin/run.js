#!/usr/bin/env node
'use strict';
// Runs a process entry point given without extension (e.g. `node bin/run.js workers/main`): compiled from dist/
// when it is fresh, else the TypeScript source through tsx (see bin/runtime.js). Used by npm start/worker/api.
const rel = process.argv[2];
if (!rel) {
  process.stderr.write('usage: node bin/run.js <entry, e.g. workers/main>\n');
  process.exit(2);
}
// The entry sees its own path as argv[1], as if started directly.
const entry = require('./runtime').resolveEntry(rel);
process.argv.splice(1, 2, entry);
require(entry);
