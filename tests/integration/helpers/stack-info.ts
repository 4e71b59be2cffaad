import type { StackPorts } from '../../../scripts/lib/stack';
import type { ToolPaths } from '../../../scripts/lib/tools';

export const STACK_ENV_VAR = 'LIENTHONG_TEST_STACK';

/** What the integration global setup started, handed to test files through the environment. */
export interface TestStackInfo {
  dataDir: string;
  temporalAddress: string;
  natsUrl: string;
  mongoUri: string;
  ports: StackPorts;
  tools: ToolPaths;
}

export function testStack(): TestStackInfo {
  const raw = process.env[STACK_ENV_VAR];
  if (!raw)
    throw new Error(`${STACK_ENV_VAR} is not set: run integration tests through jest's integration project`);
  return JSON.parse(raw) as TestStackInfo;
}
