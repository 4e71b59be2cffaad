import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthSchema, type Health } from '../../schemas/api';
import type { SmokeCheckResult } from '../../workflows';
import type { AppDeps, Probe } from '../deps';

async function check(probe: Probe, timeoutMs: number): Promise<Health['dependencies']['mongo']> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'error', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

async function smoke(deps: AppDeps): Promise<NonNullable<Health['smoke']>> {
  if (!deps.temporal) return { status: 'error', error: 'no Temporal client' };
  const started = performance.now();
  const workflowId = `smoke-${randomUUID()}`;
  try {
    const result: SmokeCheckResult = await deps.temporal.workflow.execute('smokeCheckWorkflow', {
      workflowId,
      taskQueue: deps.config.temporal.taskQueue,
      args: [{ checkId: workflowId }],
      workflowExecutionTimeout: '15s',
    });
    return {
      status: result.received ? 'ok' : 'error',
      latencyMs: Math.round(performance.now() - started),
      workflowId,
      streamSeq: result.streamSeq,
      auditEventId: result.auditEventId,
    };
  } catch (err) {
    return { status: 'error', workflowId, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * GET /healthz: each dependency ok/error; 503 when any is down. Unauthenticated, for load balancers.
 * `?deep=true` also runs the smoke workflow across Temporal, NATS JetStream and MongoDB.
 */
export function healthRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Health of the API and its dependencies',
          querystring: z.object({ deep: z.enum(['true', 'false']).optional() }),
          response: { 200: HealthSchema, 503: HealthSchema },
        },
      },
      async (request, reply) => {
        const [temporal, nats, mongo] = await Promise.all([
          check(deps.probes.temporal, 2_000),
          check(deps.probes.nats, 2_000),
          check(deps.probes.mongo, 2_000),
        ]);
        const dependencies = { temporal, nats, mongo };
        let ok = Object.values(dependencies).every((d) => d.status === 'ok');
        const deep = request.query.deep === 'true' && ok ? await smoke(deps) : undefined;
        if (deep && deep.status !== 'ok') ok = false;
        return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', dependencies, smoke: deep });
      },
    );

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const body = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(body);
    });
  };
}
