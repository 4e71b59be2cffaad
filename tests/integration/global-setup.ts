import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack, type RunningStack } from '../../scripts/lib/stack';
import { ensureTools } from '../../scripts/lib/tools';
import { STACK_ENV_VAR, type TestStackInfo } from './helpers/stack-info';

declare global {
  var __LIENTHONG_STACK__: RunningStack | undefined;
}

/**
 * Starts a private Temporal dev server, NATS with JetStream and FerretDB on free ports in a temp dir for the
 * integration suite — never the developer's `npm start` stack nor the machine's own services.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const tools = ensureTools(process.env, (line) => console.log(`[test-stack] ${line}`));
  const dataDir = mkdtempSync(join(tmpdir(), 'lienthong-it-'));
  const ports = {
    temporal: await freePort(),
    temporalHttp: await freePort(),
    temporalUi: await freePort(),
    temporalMetrics: await freePort(),
    nats: await freePort(),
    natsMonitor: await freePort(),
    mongo: await freePort(),
  };
  const stack = await startStack({
    tools,
    dataDir,
    ports,
    temporalUi: false,
    natsSyncInterval: 'always',
    start: { temporal: true, nats: true, mongo: true },
  });
  globalThis.__LIENTHONG_STACK__ = stack;
  const info: TestStackInfo = {
    dataDir,
    temporalAddress: stack.temporalAddress,
    natsUrl: stack.natsUrl,
    mongoUri: stack.mongoUri,
    ports,
    tools,
  };
  process.env[STACK_ENV_VAR] = JSON.stringify(info);
  writeFileSync(join(dataDir, 'stack.json'), JSON.stringify(info, null, 2));
  console.log(`\n[test-stack] up in ${((Date.now() - started) / 1000).toFixed(1)} s under ${dataDir}`);
}
