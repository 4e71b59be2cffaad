import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemSchema } from '../../schemas/api';
import { AuditEventSchema } from '../../schemas/audit';
import { AuditQuerySchema, AuditVerifySchema } from '../../schemas/document';
import { principalOf, requireRole } from '../auth';
import type { AppDeps } from '../deps';

/**
 * The audit trail under /api/v1/audit: events of one document (the caller's agency only, unless province
 * administrator), and the province administrator's recomputation of every agency's hash chain.
 */
export function auditRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'Audit events, optionally of one document',
          querystring: AuditQuerySchema,
          response: {
            200: z.object({ items: z.array(AuditEventSchema) }),
            401: ProblemSchema,
            403: ProblemSchema,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const all = principal.roles.includes('province_admin');
        const items = await deps.audit.list(
          { documentId: request.query.documentId, agency: all ? undefined : principal.agency },
          request.query.limit,
        );
        return { items };
      },
    );

    app.get(
      '/audit/verify',
      {
        schema: {
          tags: ['audit'],
          summary: 'Recompute every hash chain (province administrator)',
          response: { 200: AuditVerifySchema, 401: ProblemSchema, 403: ProblemSchema },
        },
      },
      async (request) => {
        requireRole(request, 'province_admin');
        return deps.audit.verify();
      },
    );
  };
}
