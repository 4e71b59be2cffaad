// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.data/**',
      'coverage/**',
      'test-output/**',
      'dashboard/dist/**',
      'workspace/dist/**',
      'bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { typescript: true, node: true } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no clocks or randomness from
    // packages, and activities only as types.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({ name, message: 'No Node built-ins in workflows.' })),
            { name: 'uuid', message: 'Use uuid4() from @temporalio/workflow.' },
            { name: 'mongodb', message: 'No I/O in workflows.' },
            { name: 'pino', message: 'Use log from @temporalio/workflow.' },
          ],
          patterns: [
            {
              group: ['@nats-io/*', 'pkijs', 'asn1js', 'pdf-lib', '@cantoo/*', 'fastify*'],
              message: 'No I/O or heavy libraries in workflows.',
            },
            {
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'Import activities as types only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
      ],
    },
  },
  {
    // Layer boundaries (README, Architecture). import/no-restricted-paths does not tell `import type` from a value
    // import, so a zone forbids both: types shared across a boundary live in schemas/. The one exception is
    // workflows → activities: a workflow needs the activity signatures, which are inferred from the factories, so
    // that boundary is kept by no-restricted-imports with allowTypeImports (workflow block above and below).
    files: ['**/*.ts'],
    rules: {
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './workflows',
              from: ['./store', './pdf', './pki', './infra'],
              message:
                'Workflows run in the deterministic sandbox: no I/O or heavy modules; shared types go in schemas/.',
            },
            {
              // ./workflows too: the workflows depend on these rules, never the other way round (their message
              // types live in schemas/exchange-messages.ts).
              target: ['./exchange', './flows', './kpi'],
              from: ['./store', './infra', './activities', './api', './pdf', './pki', './workflows'],
              message:
                'exchange/, flows/ and kpi/ are pure rules: they take data and ports, shared types live in schemas/.',
            },
            {
              target: './pki/validate',
              from: ['./pki/ca', './pki/keystore', './pki/signer.ts', './pki/engine.ts'],
              message: 'Path validation must not depend on the issuing side (CA, key store, signer).',
            },
            {
              target: './api/routes',
              from: './api/routes',
              message: 'Route plugins do not import each other; shared code goes in a module under api/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The pure modules stay free of Node I/O (kpi/service.ts reads through injected ports, not imports).
    files: ['exchange/**/*.ts', 'flows/**/*.ts', 'kpi/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins
            .flatMap((m) => [m, `node:${m}`])
            .map((name) => ({ name, message: 'Pure module: no Node built-ins.' })),
          patterns: [
            {
              group: ['mongodb', '@nats-io/*', '@temporalio/*', 'fastify*'],
              message: 'Pure module: no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
