import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AcceptRequestSchema,
  ActionResultSchema,
  AssignRequestSchema,
  DocumentIdParamsSchema,
  InboxDetailSchema,
  InboxListSchema,
  PageQuerySchema,
  ReasonRequestSchema,
  type InboxDetail,
  type InboxSummary,
} from '../../schemas/document';
import { LienthongError } from '../../schemas/errors';
import { DocumentStore, type IncomingView } from '../../store/document-store';
import { FileStore } from '../../store/file-store';
import { readableAgencies } from '../../store/identity-admin';
import {
  acceptUpdate,
  agreeRecallUpdate,
  assignUpdate,
  completeUpdate,
  processUpdate,
  refuseRecallUpdate,
  rejectIncomingUpdate,
  type ActionOutcome,
} from '../../workflows/exchange-messages';
import { principalOf } from '../auth';
import type { AppDeps } from '../deps';
import { problemResponses } from '../problem';
import { actorOf, contentDisposition, parseBody, runUpdate, temporalOf } from '../exchange-support';

function summary(v: IncomingView): InboxSummary {
  return {
    id: v.id,
    state: v.state,
    statusCode: v.statusCode,
    from: v.from,
    subject: v.subject,
    type: v.type,
    number: v.number,
    notation: v.notation,
    incomingNumber: v.incomingNumber,
    assignee: v.assignee,
    receivedAt: v.receivedAt,
    updatedAt: v.updatedAt,
  };
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/** What the inbox routes share: the stores and the lookups of the caller agency's incoming documents. */
function inboxRouteContext(deps: AppDeps) {
  const db = () => {
    if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
    return deps.db;
  };
  const documents = () => new DocumentStore(db());

  const ownIncoming = async (request: FastifyRequest, id: string): Promise<IncomingView> => {
    const principal = principalOf(request);
    const doc = await documents().getIncoming(principal.agency, id);
    if (!doc) throw new LienthongError('NOT_FOUND', 'No such incoming document');
    return doc;
  };
  /** For reading only: the caller agency's incoming document or one of an agency merged into it. */
  const readableIncoming = async (request: FastifyRequest, id: string): Promise<IncomingView> => {
    const principal = principalOf(request);
    const doc = await documents().getIncomingAmong(await readableAgencies(db(), principal.agency), id);
    if (!doc) throw new LienthongError('NOT_FOUND', 'No such incoming document');
    return doc;
  };
  const handleOf = (doc: IncomingView) => temporalOf(deps).workflow.getHandle(doc.workflowId);

  return { db, documents, ownIncoming, readableIncoming, handleOf };
}

type InboxRouteContext = ReturnType<typeof inboxRouteContext>;

/** The list, one document with its verification report, and the received file. */
function registerInboxReads(app: App, { db, documents, readableIncoming }: InboxRouteContext): void {
  app.get(
    '/inbox',
    {
      schema: {
        tags: ['inbox'],
        summary: "The caller agency's incoming documents, newest first",
        querystring: PageQuerySchema,
        response: { 200: InboxListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { limit, offset } = request.query;
      const agencies = await readableAgencies(db(), principal.agency);
      const page = await documents().listIncoming(agencies, { limit, offset });
      return { items: page.items.map(summary), total: page.total, limit, offset };
    },
  );

  app.get(
    '/inbox/:id',
    {
      schema: {
        tags: ['inbox'],
        summary: 'One incoming document with its verification report and history',
        params: DocumentIdParamsSchema,
        response: { 200: InboxDetailSchema, ...problemResponses },
      },
    },
    async (request): Promise<InboxDetail> => {
      const doc = await readableIncoming(request, request.params.id);
      const verification = await documents().getVerification(doc.agency, doc.id);
      return {
        ...summary(doc),
        edxmlDocumentId: doc.edxmlDocumentId,
        file: doc.file,
        reason: doc.reason,
        verification: verification ?? undefined,
        recall: doc.recall,
        businessDocType: doc.businessDocType,
        supersedes: doc.supersedes,
        supersededBy: doc.supersededBy,
        history: doc.history ?? [],
      };
    },
  );

  app.get(
    '/inbox/:id/file',
    {
      schema: {
        tags: ['inbox'],
        summary: 'The received PDF',
        params: DocumentIdParamsSchema,
        response: { 200: z.any(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const doc = await readableIncoming(request, request.params.id);
      if (!doc.file) throw new LienthongError('NOT_FOUND', 'The payload of this document was not received');
      const bytes = await new FileStore(db()).get(doc.file);
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition(`${doc.notation.replace(/\//g, '-')}.pdf`))
        .header('x-content-sha256', doc.file.sha256)
        .send(Buffer.from(bytes));
    },
  );
}

/** The clerk's and assignee's steps, each an update on the received-document workflow. */
function registerInboxSteps(app: App, deps: AppDeps, { ownIncoming, handleOf }: InboxRouteContext): void {
  const action = (
    path: string,
    summaryText: string,
    run: (doc: IncomingView, request: FastifyRequest) => Promise<ActionOutcome & { incomingNumber?: number }>,
    body?: z.ZodType,
  ) =>
    app.post(
      `/inbox/:id/${path}`,
      {
        schema: {
          tags: ['inbox'],
          summary: summaryText,
          params: DocumentIdParamsSchema,
          ...(body ? { body } : {}),
          response: {
            200: ActionResultSchema.extend({ incomingNumber: z.number().int().optional() }),
            ...problemResponses,
          },
        },
      },
      async (request) => {
        const doc = await ownIncoming(request, request.params.id);
        const o = await run(doc, request);
        return { id: doc.id, state: o.state, incomingNumber: o.incomingNumber };
      },
    );

  action(
    'accept',
    'Accept and register ({incomingNumber?}) — status 03',
    async (doc, request) => {
      const body = parseBody(AcceptRequestSchema, request.body);
      return runUpdate(handleOf(doc), acceptUpdate, [await actorOf(deps, request), body]);
    },
    AcceptRequestSchema,
  );
  action(
    'reject',
    'Reject ({reason}) — status 02',
    async (doc, request) => {
      const body = parseBody(ReasonRequestSchema, request.body);
      return runUpdate(handleOf(doc), rejectIncomingUpdate, [await actorOf(deps, request), body]);
    },
    ReasonRequestSchema,
  );
  action(
    'assign',
    'Assign to a person of the agency ({username}) — status 04',
    async (doc, request) => {
      const body = parseBody(AssignRequestSchema, request.body);
      const actor = await actorOf(deps, request);
      const user = await deps.identity.getUser(body.username);
      if (!user || user.agency !== actor.agency || user.active === false)
        throw new LienthongError('DOMAIN_VALIDATION', `${body.username} is not a user of this agency`);
      return runUpdate(handleOf(doc), assignUpdate, [actor, body]);
    },
    AssignRequestSchema,
  );
  action('process', 'Start processing (the assignee) — status 05', async (doc, request) =>
    runUpdate(handleOf(doc), processUpdate, [await actorOf(deps, request)]),
  );
  action('complete', 'Complete (the assignee) — status 06', async (doc, request) =>
    runUpdate(handleOf(doc), completeUpdate, [await actorOf(deps, request)]),
  );
  action(
    'recall/agree',
    'Agree to the sender’s recall (the clerk) — status 15: the copy is kept but no longer actionable',
    async (doc, request) => runUpdate(handleOf(doc), agreeRecallUpdate, [await actorOf(deps, request)]),
  );
  action(
    'recall/refuse',
    'Refuse the sender’s recall ({reason}, the clerk) — status 16',
    async (doc, request) => {
      const body = parseBody(ReasonRequestSchema, request.body);
      return runUpdate(handleOf(doc), refuseRecallUpdate, [await actorOf(deps, request), body]);
    },
    ReasonRequestSchema,
  );
}

/**
 * Incoming documents ("văn bản đến") of the caller's agency under /api/v1/inbox: the verification report, the file,
 * and the clerk's and assignee's steps (03 accept, 02 reject, 04 assign, 05 process, 06 complete) as updates on
 * the received-document workflow.
 */
export function inboxRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const ctx = inboxRouteContext(deps);
    registerInboxReads(app, ctx);
    registerInboxSteps(app, deps, ctx);
  };
}
