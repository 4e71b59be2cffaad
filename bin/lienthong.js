#!/usr/bin/env node
'use strict';
// The compiled CLI (dist/, built by `npm ci` through `prepare`) starts without transpiling; when dist/ is missing or
// older than the source (a development checkout just edited), bin/runtime.js runs the source through tsx instead.
require(require('./runtime').resolveEntry('cli/main')).run();
