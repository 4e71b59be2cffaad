import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HealthSchema, type Health } from '../../schemas/api';
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

/** GET /healthz: each dependency ok/error; 503 when any is down. Unauthenticated, for load balancers. */
export function healthRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Health of the API and its dependencies',
          response: { 200: HealthSchema, 503: HealthSchema },
        },
      },
      async (_request, reply) => {
        const [temporal, nats, mongo] = await Promise.all([
          check(deps.probes.temporal, 2_000),
          check(deps.probes.nats, 2_000),
          check(deps.probes.mongo, 2_000),
        ]);
        const dependencies = { temporal, nats, mongo };
        const ok = Object.values(dependencies).every((d) => d.status === 'ok');
        return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', dependencies });
      },
    );

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const body = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(body);
    });
  };
}
