#!/usr/bin/env node
'use strict';
// The CLI is TypeScript run through tsx's CommonJS hook, so `npx lienthong` works straight after `npm ci`.
require('tsx/cjs');
require('../cli/main.ts').run();
