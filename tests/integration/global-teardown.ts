import { rmSync } from 'node:fs';
import { STACK_ENV_VAR, type TestStackInfo } from './helpers/stack-info';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__LIENTHONG_STACK__?.stop();
  const raw = process.env[STACK_ENV_VAR];
  if (raw && !process.env.LIENTHONG_KEEP_TEST_DATA) {
    const info = JSON.parse(raw) as TestStackInfo;
    rmSync(info.dataDir, { recursive: true, force: true });
  }
}
