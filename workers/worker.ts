import { createServer, type Server } from 'node:http';
import type { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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

/** What the activity interceptor records (see `activityInterceptors`). */
interface ActivityMetrics {
  failures: Counter<'activity' | 'type'>;
  /** Time each attempt ran, by activity. */
  durations: Histogram<'activity'>;
  /** Time an attempt waited in the task queue before this worker started it, by activity. */
  queued: Histogram<'activity'>;
}

/**
 * Activity interceptors: the request id from the Temporal header goes into activity log attributes, every
 * failure is counted by activity and error type, and each attempt's time in the queue and in execution is timed
 * (where a document's time goes: `npm run bench:exchange` prints these per activity).
 */
function activityInterceptors(m: ActivityMetrics): ActivityInterceptorsFactory {
  return (ctx: Context) => {
    let requestId: string | undefined;
    return {
      inbound: {
        async execute(input, next) {
          const activity = ctx.info.activityType;
          const started = Date.now();
          m.queued.observe(
            { activity },
            Math.max(0, started - ctx.info.currentAttemptScheduledTimestampMs) / 1000,
          );
          const header = input.headers[REQUEST_ID_HEADER];
          if (header) requestId = defaultPayloadConverter.fromPayload<string>(header);
          // Liveness heartbeats for activities scheduled with a heartbeat timeout: they stop when this process dies.
          const every = ctx.info.heartbeatTimeoutMs ? Math.max(1_000, ctx.info.heartbeatTimeoutMs / 3) : 0;
          const pump = every ? setInterval(() => ctx.heartbeat(), every) : undefined;
          try {
            return await next(input);
          } catch (err) {
            const type = (err as { type?: string }).type ?? (err instanceof Error ? err.name : 'unknown');
            m.failures.inc({ activity, type });
            throw err;
          } finally {
            clearInterval(pump);
            m.durations.observe({ activity }, (Date.now() - started) / 1000);
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
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const activityMetrics: ActivityMetrics = {
    failures: new Counter({
      name: 'lienthong_activity_failures_total',
      help: 'Activity attempts that failed, by activity and error type',
      labelNames: ['activity', 'type'] as const,
      registers: [metrics],
    }),
    durations: new Histogram({
      name: 'lienthong_activity_duration_seconds',
      help: 'Time an activity attempt ran in this worker, by activity',
      labelNames: ['activity'] as const,
      buckets,
      registers: [metrics],
    }),
    queued: new Histogram({
      name: 'lienthong_activity_queued_seconds',
      help: 'Time an activity attempt waited in the task queue before this worker started it, by activity',
      labelNames: ['activity'] as const,
      buckets,
      registers: [metrics],
    }),
  };
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(deps),
    interceptors: {
      workflowModules: [require.resolve('../workflows/interceptors')],
      activity: [activityInterceptors(activityMetrics)],
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
