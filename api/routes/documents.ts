import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemSchema } from '../../schemas/api';
import {
  ActionResultSchema,
  ApproveRequestSchema,
  CreateDocumentRequestSchema,
  CreatedDocumentSchema,
  DocumentDetailSchema,
  DocumentIdParamsSchema,
  DocumentListSchema,
  PageQuerySchema,
  ReasonRequestSchema,
  SignatureSubmissionSchema,
  SigningRequestSchema,
  documentWorkflowId,
  type CreateDocumentRequest,
  type DocumentDetail,
} from '../../schemas/document';
import { LienthongError } from '../../schemas/errors';
import { DocumentStore, type OutgoingView } from '../../store/document-store';
import { FileStore } from '../../store/file-store';
import {
  approveUpdate,
  documentSnapshotQuery,
  issueUpdate,
  recallUpdate,
  rejectUpdate,
  requestSigningUpdate,
  signUpdate,
  submitSignatureUpdate,
  submitUpdate,
  withdrawUpdate,
  type ActionOutcome,
  type DocumentWorkflowInput,
} from '../../workflows/exchange-messages';
import { principalOf, requireRole } from '../auth';
import type { AppDeps } from '../deps';
import { actorOf, contentDisposition, runUpdate, temporalOf } from './exchange-support';

const problems = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
};

const MAX_PDF_BYTES = 50 * 1024 * 1024;

function detail(v: OutgoingView): DocumentDetail {
  const { version: _v, ...rest } = v;
  return { ...rest, history: rest.history ?? [] };
}

/** Reads the JSON body, or a multipart form with fields and one `file` part, into one validated request. */
async function readCreateRequest(
  request: FastifyRequest,
): Promise<{ body: CreateDocumentRequest; pdf: Buffer }> {
  let raw: Record<string, unknown>;
  let pdf: Buffer | undefined;
  if (request.isMultipart()) {
    raw = { recipients: [] as string[] };
    for await (const part of request.parts({ limits: { fileSize: MAX_PDF_BYTES, files: 1 } })) {
      if (part.type === 'file') {
        pdf = await part.toBuffer();
        raw.fileName ??= part.filename;
      } else {
        const value = String(part.value);
        if (part.fieldname === 'recipients' || part.fieldname === 'recipients[]')
          (raw.recipients as string[]).push(
            ...value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          );
        else if (part.fieldname === 'priority') raw.priority = Number(value);
        else raw[part.fieldname] = value;
      }
    }
    raw.pdfBase64 = pdf ? 'multipart' : undefined;
  } else {
    raw = (request.body ?? {}) as Record<string, unknown>;
  }
  const parsed = CreateDocumentRequestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LienthongError('VALIDATION_FAILED', 'The request does not match the schema', {
      errors: parsed.error.issues.map((i) => ({ path: `body.${i.path.join('.')}`, message: i.message })),
    });
  }
  if (!pdf) pdf = Buffer.from(parsed.data.pdfBase64, 'base64');
  if (pdf.length > MAX_PDF_BYTES) throw new LienthongError('PAYLOAD_TOO_LARGE', 'the PDF is too large');
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-')
    throw new LienthongError('DOMAIN_VALIDATION', 'the file is not a PDF document');
  return { body: parsed.data, pdf };
}

/**
 * Outgoing documents ("văn bản đi") under /api/v1/documents: draft, approval, signing (server-held key or deferred
 * two-phase), issue by the clerk, withdrawal. Every step is a Temporal update on `doc:<agency>:<id>`; a document of
 * another agency answers 404 whatever the caller's role.
 */
export function documentRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(multipart, { limits: { fileSize: MAX_PDF_BYTES, files: 1 } });
    const db = () => {
      if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
      return deps.db;
    };
    const documents = () => new DocumentStore(db());
    const files = () => new FileStore(db());

    /** The caller agency's document, or 404 (never revealing that another agency's document exists). */
    const ownDocument = async (request: FastifyRequest, id: string): Promise<OutgoingView> => {
      const principal = principalOf(request);
      const doc = await documents().getOutgoing(principal.agency, id);
      if (!doc) throw new LienthongError('NOT_FOUND', 'No such document');
      return doc;
    };
    const handleOf = (doc: OutgoingView) =>
      temporalOf(deps).workflow.getHandle(documentWorkflowId(doc.agency, doc.id));
    const result = (doc: OutgoingView, o: ActionOutcome) => ({
      id: doc.id,
      state: o.state,
      number: o.number,
      notation: o.notation,
    });

    app.post(
      '/documents',
      {
        schema: {
          tags: ['documents'],
          summary: 'Create a draft (JSON with pdfBase64, or multipart with a file part)',
          response: { 201: CreatedDocumentSchema, ...problems, 413: ProblemSchema },
        },
      },
      async (request, reply) => {
        const principal = requireRole(request, 'drafter');
        const { body, pdf } = await readCreateRequest(request);
        const agency = await deps.identity.getAgency(principal.agency);
        if (!agency)
          throw new LienthongError('UNKNOWN_AGENCY', `agency ${principal.agency} is not registered`);
        const codes = [...new Set(body.recipients)];
        const recipients = [];
        for (const code of codes) {
          const r = await deps.identity.getAgency(code);
          if (!r || r.active === false)
            throw new LienthongError('UNKNOWN_AGENCY', `unknown recipient ${code}`);
          if (r.code === agency.code)
            throw new LienthongError('DOMAIN_VALIDATION', 'an agency cannot send to itself');
          recipients.push({ code: r.code, name: r.name });
        }
        const file = await files().put(pdf, { fileName: body.fileName });
        const id = randomUUID();
        const now = deps.clock().toISOString();
        const initial: OutgoingView = {
          id,
          agency: agency.code,
          state: 'DRAFT',
          type: body.type,
          subject: body.subject,
          createdBy: principal.username,
          createdAt: now,
          updatedAt: now,
          priority: body.priority ?? 0,
          dueDate: body.dueDate,
          fileName: body.fileName,
          file,
          recipients: recipients.map((r) => ({
            agency: r.code,
            name: r.name,
            statusCode: 'PENDING',
            statusAt: null,
          })),
          history: [],
          version: 0,
        };
        await documents().saveOutgoing(initial);
        const input: DocumentWorkflowInput = {
          documentId: id,
          agency: { code: agency.code, name: agency.name, place: agency.place, shortName: agency.shortName },
          createdBy: principal.username,
          createdAt: now,
          type: body.type,
          subject: body.subject,
          recipients,
          priority: body.priority ?? 0,
          dueDate: body.dueDate,
          fileName: body.fileName,
          file,
          timing: {
            ackTimeoutSeconds: deps.config.exchange.ackTimeoutSeconds,
            maxResends: deps.config.exchange.maxResends,
            flowHourSeconds: deps.config.exchange.flowHourSeconds,
          },
        };
        await temporalOf(deps).workflow.start('documentWorkflow', {
          workflowId: documentWorkflowId(agency.code, id),
          taskQueue: deps.config.temporal.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        deps.metrics.workflowsStarted.inc({ workflow: 'documentWorkflow' });
        return reply.code(201).send({ id, state: 'DRAFT' as const });
      },
    );

    app.get(
      '/documents',
      {
        schema: {
          tags: ['documents'],
          summary: "The caller agency's outgoing documents, newest first",
          querystring: PageQuerySchema,
          response: { 200: DocumentListSchema, ...problems },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { limit, offset } = request.query;
        const page = await documents().listOutgoing(principal.agency, { limit, offset });
        return { items: page.items.map(detail), total: page.total, limit, offset };
      },
    );

    app.get(
      '/documents/:id',
      {
        schema: {
          tags: ['documents'],
          summary: 'One document with its recipients and history',
          params: DocumentIdParamsSchema,
          response: { 200: DocumentDetailSchema, ...problems },
        },
      },
      async (request) => detail(await ownDocument(request, request.params.id)),
    );

    app.get(
      '/documents/:id/file',
      {
        schema: {
          tags: ['documents'],
          summary: 'The current PDF (after the latest signature)',
          params: DocumentIdParamsSchema,
          response: { 200: z.any(), ...problems },
        },
      },
      async (request, reply) => {
        const doc = await ownDocument(request, request.params.id);
        const bytes = await files().get(doc.file);
        return reply
          .type('application/pdf')
          .header('content-disposition', contentDisposition(doc.fileName))
          .header('x-content-sha256', doc.file.sha256)
          .send(Buffer.from(bytes));
      },
    );

    const action = (
      path: string,
      summary: string,
      run: (doc: OutgoingView, request: FastifyRequest) => Promise<ActionOutcome>,
    ) =>
      app.post(
        `/documents/:id/${path}`,
        {
          schema: {
            tags: ['documents'],
            summary,
            params: DocumentIdParamsSchema,
            response: { 200: ActionResultSchema, ...problems },
          },
        },
        async (request) => {
          const doc = await ownDocument(request, request.params.id);
          return result(doc, await run(doc, request));
        },
      );

    action('submit', 'Submit for approval (the drafter)', async (doc, request) =>
      runUpdate(handleOf(doc), submitUpdate, [await actorOf(deps, request)]),
    );
    action('approve', 'Approve the current step ({comment?})', async (doc, request) => {
      const body = ApproveRequestSchema.parse(request.body ?? {});
      return runUpdate(handleOf(doc), approveUpdate, [await actorOf(deps, request), body]);
    });
    action('reject', 'Return to the drafter ({reason})', async (doc, request) => {
      const body = parseBody(ReasonRequestSchema, request.body);
      return runUpdate(handleOf(doc), rejectUpdate, [await actorOf(deps, request), body]);
    });
    action('sign', 'Personal signature with the server-held key (the signer)', async (doc, request) =>
      runUpdate(handleOf(doc), signUpdate, [await actorOf(deps, request)]),
    );
    action(
      'signature',
      'Phase two of deferred signing: {signatureValue} or {cms}, base64',
      async (doc, request) => {
        const body = parseBody(SignatureSubmissionSchema, request.body);
        return runUpdate(handleOf(doc), submitSignatureUpdate, [await actorOf(deps, request), body]);
      },
    );
    action(
      'issue',
      'Number from the register, organisation signature, dispatch (the clerk)',
      async (doc, request) => runUpdate(handleOf(doc), issueUpdate, [await actorOf(deps, request)]),
    );
    action('withdraw', 'Withdraw before issue (the drafter)', async (doc, request) =>
      runUpdate(handleOf(doc), withdrawUpdate, [await actorOf(deps, request)]),
    );
    action(
      'recall',
      'Recall a dispatched document ({reason}, the clerk): every recipient gets a recall request (BusinessDocType 1, 13) and answers 15 or 16',
      async (doc, request) => {
        const body = parseBody(ReasonRequestSchema, request.body);
        return runUpdate(handleOf(doc), recallUpdate, [await actorOf(deps, request), body]);
      },
    );

    app.get(
      '/documents/:id/signing-request',
      {
        schema: {
          tags: ['documents'],
          summary: 'Phase one of deferred signing: the bytes a token holder signs',
          params: DocumentIdParamsSchema,
          response: { 200: SigningRequestSchema, ...problems },
        },
      },
      async (request) => {
        const principal = requireRole(request, 'signer');
        const doc = await ownDocument(request, request.params.id);
        const handle = handleOf(doc);
        const snapshot = await handle.query(documentSnapshotQuery).catch(() => undefined);
        if (snapshot?.pendingSigning && snapshot.pendingSigning.username === principal.username)
          return snapshot.pendingSigning.request;
        return runUpdate(handle, requestSigningUpdate, [await actorOf(deps, request)]);
      },
    );
  };
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success)
    throw new LienthongError('VALIDATION_FAILED', 'The request does not match the schema', {
      errors: parsed.error.issues.map((i) => ({ path: `body.${i.path.join('.')}`, message: i.message })),
    });
  return parsed.data;
}
