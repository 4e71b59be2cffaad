import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DocumentIdParamsSchema, DocumentStateSchema, documentWorkflowId } from '../../schemas/document';
import { LienthongError } from '../../schemas/errors';
import { DocumentStore } from '../../store/document-store';
import { documentSnapshotQuery, migrateFlowUpdate } from '../../workflows/exchange-messages';
import { requireRole } from '../auth';
import type { AppDeps } from '../deps';
import { problemResponses } from '../problem';
import { actorOf, runUpdate, temporalOf } from '../exchange-support';

export const MigrateFlowResultSchema = z.object({
  id: z.string(),
  state: DocumentStateSchema,
  flow: z.object({ name: z.string(), version: z.number().int() }).optional(),
  stage: z.string().optional(),
});

/**
 * `POST /api/v1/admin/documents/:id/migrate-flow`: an administrator (agency_admin of the document's agency, or
 * province_admin) moves one document in approval to the newest active version of its flow. Stages already
 * decided stay; the open and later stages are re-resolved. The workflow audits it as `document.flow_migrated`.
 */
export function flowMigrationRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/admin/documents/:id/migrate-flow',
      {
        schema: {
          tags: ['flows'],
          summary: 'Move an in-flight document to the newest active version of its flow (audited)',
          params: DocumentIdParamsSchema,
          response: { 200: MigrateFlowResultSchema, ...problemResponses },
        },
      },
      async (request) => {
        const principal = requireRole(request, 'agency_admin', 'province_admin');
        if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
        const documents = new DocumentStore(deps.db);
        const doc = principal.roles.includes('province_admin')
          ? await documents.findOutgoingById(request.params.id)
          : await documents.getOutgoing(principal.agency, request.params.id);
        if (!doc) throw new LienthongError('NOT_FOUND', 'No such document');
        const handle = temporalOf(deps).workflow.getHandle(documentWorkflowId(doc.agency, doc.id));
        const outcome = await runUpdate(handle, migrateFlowUpdate, [await actorOf(deps, request)]);
        const snapshot = await handle.query(documentSnapshotQuery);
        return {
          id: doc.id,
          state: DocumentStateSchema.parse(outcome.state),
          flow: snapshot.resolvedFlow
            ? { name: snapshot.resolvedFlow.name, version: snapshot.resolvedFlow.version }
            : undefined,
          stage: snapshot.approval?.stage.id,
        };
      },
    );
  };
}
