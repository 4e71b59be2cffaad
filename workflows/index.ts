export { smokeCheckWorkflow } from './smoke';
export type { SmokeCheckInput, SmokeCheckResult } from './smoke';
