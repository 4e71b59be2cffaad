/**
 * Heartbeat timeout of activities a person or a document waits for. The worker's activity interceptor
 * (workers/worker.ts) beats while an attempt runs or waits, so an attempt whose worker died is retried after this,
 * not at its start-to-close timeout (minutes). Workflow code only.
 */
export const WORKER_LIVENESS = '20s';
