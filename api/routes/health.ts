import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthSchema, ProblemSchema, type Health } from '../../schemas/api';
import type { SmokeCheckResult } from '../../workflows';
import { authenticate, requireRole } from '../auth';
import type { AppDeps, Probe } from '../deps';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The deep check starts a workflow and writes to MongoDB, so it is not for anyone: it needs the metrics token
 * (`METRICS_TOKEN`, for monitoring) or a signed-in province administrator.
 * @throws LienthongError UNAUTHENTICATED / FORBIDDEN
 */
async function authoriseDeep(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const given = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const expected = deps.config.http.metricsToken;
  if (given && expected && timingSafeEqual(digest(given), digest(expected))) return;
  await authenticate(deps.tokens, deps.clock, deps.identity)(request, reply);
  requireRole(request, 'province_admin');
}

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
 * `?deep=true` also runs the smoke workflow across Temporal, NATS JetStream and MongoDB; it needs the metrics token
 * or the province administrator, and records its result in `smoke_checks`, never in the audit chain.
 */
export function healthRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          summary:
            'Health of the API and its dependencies; deep=true (metrics token or province administrator) also runs the smoke workflow',
          querystring: z.object({ deep: z.enum(['true', 'false']).optional() }),
          response: { 200: HealthSchema, 401: ProblemSchema, 403: ProblemSchema, 503: HealthSchema },
          security: [{}, { bearer: [] }],
        },
      },
      async (request, reply) => {
        if (request.query.deep === 'true') await authoriseDeep(deps, request, reply);
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
