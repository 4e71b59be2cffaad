import { createServer, type Server } from 'node:http';
import type { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities';
import { REQUEST_ID_HEADER } from '../schemas/constants';
import type { Config } from '../schemas/config';

export interface WorkerHandle {
  worker: Worker;
  /** Runs until shutdown() or a shutdown signal; rejects if the worker fails. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
  metrics: Registry;
}

/**
 * Activity interceptors: the request id from the Temporal header goes into activity log attributes, and every
 * failure is counted by activity and error type.
 */
function activityInterceptors(failures: Counter<'activity' | 'type'>): ActivityInterceptorsFactory {
  return (ctx: Context) => {
    let requestId: string | undefined;
    return {
      inbound: {
        async execute(input, next) {
          const header = input.headers[REQUEST_ID_HEADER];
          if (header) requestId = defaultPayloadConverter.fromPayload<string>(header);
          // Liveness heartbeats for activities scheduled with a heartbeat timeout: they stop when this process dies.
          const every = ctx.info.heartbeatTimeoutMs ? Math.max(1_000, ctx.info.heartbeatTimeoutMs / 3) : 0;
          const pump = every ? setInterval(() => ctx.heartbeat(), every) : undefined;
          try {
            return await next(input);
          } catch (err) {
            const type = (err as { type?: string }).type ?? (err instanceof Error ? err.name : 'unknown');
            failures.inc({ activity: ctx.info.activityType, type });
            throw err;
          } finally {
            clearInterval(pump);
          }
        },
      },
      outbound: {
        getLogAttributes: (attrs, next) => next(requestId ? { ...attrs, requestId } : attrs),
      },
    };
  };
}

/** Builds the lienthong worker on an existing Temporal connection (used by workers/main.ts and tests). */
export async function createLienthongWorker(
  config: Config,
  connection: NativeConnection,
  deps: ActivityDeps,
  logger: Logger,
): Promise<WorkerHandle> {
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'lienthong_worker_' });
  const failures = new Counter({
    name: 'lienthong_activity_failures_total',
    help: 'Activity attempts that failed, by activity and error type',
    labelNames: ['activity', 'type'] as const,
    registers: [metrics],
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(deps),
    interceptors: {
      workflowModules: [require.resolve('../workflows/interceptors')],
      activity: [activityInterceptors(failures)],
    },
  });
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker created');
  return { worker, run: () => worker.run(), shutdown: async () => worker.shutdown(), metrics };
}

/** Serves a worker's Prometheus registry on its own port. */
export function serveMetrics(registry: Registry, host: string, port: number): Server {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  server.listen(port, host);
  return server;
}
