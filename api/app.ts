import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type FastifyPluginAsyncZod,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { requestContext } from '../infra/request-id';
import { authenticate, requirePasswordChanged } from './auth';
import type { AppDeps } from './deps';
import { registerProblemHandlers, sendProblem } from './problem';
import { adminAgencyRoutes } from './routes/admin-agencies';
import { adminUserRoutes } from './routes/admin-users';
import { registerSecurityHeaders, setSecurityHeaders } from './security-headers';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { dashboardRoutes } from './routes/dashboard';
import { documentRoutes } from './routes/documents';
import { edxmlInboxRoutes } from './routes/edxml-inbox';
import { evidenceRoutes } from './routes/evidence';
import { inboxRoutes } from './routes/inbox';
import { directoryRoutes } from './routes/agencies';
import { healthRoutes } from './routes/health';
import { pkiPublicationRoutes, pkiRoutes } from './routes/pki';
import { flowRoutes } from './routes/flows';
import { flowMigrationRoutes } from './routes/flow-migration';
import { kpiRoutes } from './routes/kpi';
import { notificationRoutes } from './routes/notifications';
import { paperDocumentRoutes } from './routes/paper-documents';
import { reportRoutes } from './routes/reports';
import { signatureImageRoutes } from './routes/signature-images';
import { tsaRoutes } from './routes/tsa';
import { workspaceRoutes } from './routes/workspace';

/** Route groups that need a signed-in caller, mounted under /api/v1. Later features add theirs here. */
export type ProtectedRoutes = (deps: AppDeps) => FastifyPluginAsyncZod;

/**
 * Builds the HTTP API (Fastify + zod). `server.ts` only starts it; tests drive it with `app.inject`.
 */
export async function buildApp(deps: AppDeps, extraRoutes: ProtectedRoutes[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.http.bodyLimit,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    },
    // X-Forwarded-For is believed only from the configured proxies (TRUST_PROXY); by default from none, so a forged
    // header cannot change the client address the login limit counts.
    trustProxy: deps.config.http.trustProxy.length > 0 ? [...deps.config.http.trustProxy] : false,
    // A URL that does not decode (`/documents/%FF%FE`) is the client's error, answered like any other.
    frameworkErrors: (error, request, reply) => {
      setSecurityHeaders(reply, request.url);
      return sendProblem(reply, {
        code: 'BAD_REQUEST',
        detail:
          error.code === 'FST_ERR_BAD_URL' ? 'The URL is not valid (bad percent-encoding)' : error.message,
      });
    },
  }).withTypeProvider<ZodTypeProvider>();

  // A POST without a body reaches validation as null; a body schema with a default (`{}`) must see it as absent.
  app.setValidatorCompiler((route) => {
    const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
    return route.httpPart === 'body' ? (data: unknown) => validate(data ?? undefined) : validate;
  });
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);
  registerSecurityHeaders(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Carries the request id into Temporal headers for workflow and activity logs.
    requestContext.enterWith({ requestId: request.id });
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'lienthong API',
        description: 'Liên thông văn bản điện tử có ký số giữa các cơ quan nhà nước',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(deps));
  await app.register(dashboardRoutes(deps));
  await app.register(workspaceRoutes(deps));
  await app.register(pkiPublicationRoutes(deps));
  await app.register(tsaRoutes(deps));
  await app.register(authRoutes(deps), { prefix: '/api/v1' });
  // The national platform's door: authenticated by the external system's token, not a user's JWT.
  await app.register(edxmlInboxRoutes(deps), { prefix: '/api/v1' });
  await app.register(
    async (scope) => {
      // onRequest: the caller is known (or refused) before the body is read.
      scope.addHook('onRequest', authenticate(deps.tokens, deps.clock, deps.identity));
      scope.addHook('onRequest', requirePasswordChanged);
      await scope.register(directoryRoutes(deps));
      await scope.register(pkiRoutes(deps));
      await scope.register(flowRoutes(deps));
      await scope.register(flowMigrationRoutes(deps));
      await scope.register(documentRoutes(deps));
      await scope.register(evidenceRoutes(deps));
      await scope.register(inboxRoutes(deps));
      await scope.register(notificationRoutes(deps));
      await scope.register(auditRoutes(deps));
      await scope.register(kpiRoutes(deps));
      await scope.register(paperDocumentRoutes(deps));
      await scope.register(reportRoutes(deps));
      await scope.register(adminUserRoutes(deps));
      await scope.register(adminAgencyRoutes(deps));
      await scope.register(signatureImageRoutes(deps));
      for (const routes of extraRoutes) await scope.register(routes(deps));
    },
    { prefix: '/api/v1' },
  );

  await app.ready();
  return app;
}
