import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  workflowsStarted: Counter<'workflow'>;
  loginAttempts: Counter<'outcome'>;
}

/**
 * Prometheus metrics of the API process. `countWorkflows` (Temporal visibility) feeds a gauge of workflow
 * executions by status at scrape time, so completed/failed counts survive API restarts.
 */
export function createApiMetrics(countWorkflows?: (status: string) => Promise<number>): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lienthong_api_' });
  const httpDuration = new Histogram({
    name: 'lienthong_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const workflowsStarted = new Counter({
    name: 'lienthong_workflows_started_total',
    help: 'Workflows started by this API process',
    labelNames: ['workflow'] as const,
    registers: [registry],
  });
  const loginAttempts = new Counter({
    name: 'lienthong_login_attempts_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  if (countWorkflows) {
    new Gauge({
      name: 'lienthong_workflow_executions',
      help: 'Workflow executions by status (Temporal visibility)',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        for (const status of ['Running', 'Completed', 'Failed', 'Terminated', 'TimedOut', 'Canceled']) {
          try {
            this.set({ status }, await countWorkflows(status));
          } catch {
            // Visibility unavailable: leave the series out rather than report a wrong zero.
          }
        }
      },
    });
  }
  return { registry, httpDuration, workflowsStarted, loginAttempts };
}
