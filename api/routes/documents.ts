import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemSchema } from '../../schemas/api';
import {
  ActionResultSchema,
  ApproveRequestSchema,
  CreateDocumentBodySchema,
  CreateDocumentFromFormRequestSchema,
  CreateDocumentRequestSchema,
  CreatedDocumentSchema,
  DocumentDetailSchema,
  DocumentIdParamsSchema,
  DocumentListSchema,
  PageQuerySchema,
  ReasonRequestSchema,
  ReplaceDocumentRequestSchema,
  SignatureSubmissionSchema,
  SigningRequestSchema,
  UpdateDocumentRequestSchema,
  documentWorkflowId,
  type DocumentDetail,
  type SignerInfo,
} from '../../schemas/document';
import { checkNewAmendment } from '../../exchange/amendments';
import { LienthongError } from '../../schemas/errors';
import { DocumentStore, type OutgoingView } from '../../store/document-store';
import { FileStore } from '../../store/file-store';
import { readableAgencies } from '../../store/identity-admin';
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
} from '../../workflows/exchange-messages';
import { principalOf, requireRole, roleGuard } from '../auth';
import type { AppDeps } from '../deps';
import { problemResponses } from '../problem';
import { draftFromForm } from '../draft-document';
import { actorOf, contentDisposition, parseBody, runUpdate, temporalOf } from '../exchange-support';
import { earlierDraft, idempotencyKeyOf, idempotentDocumentId } from '../idempotent-draft';
import { startDocument } from '../start-document';

const MAX_PDF_BYTES = 50 * 1024 * 1024;

function detail(v: OutgoingView): DocumentDetail {
  const { version: _v, ...rest } = v;
  return { ...rest, history: rest.history ?? [] };
}

/** Reads the JSON body, or a multipart form with fields and one `file` part, into one validated request. */
async function readPdfRequest<T extends { pdfBase64: string }>(
  request: FastifyRequest,
  schema: z.ZodType<T>,
): Promise<{ body: T; pdf: Buffer }> {
  let raw: Record<string, unknown>;
  let pdf: Buffer | undefined;
  if (request.isMultipart()) {
    raw = {};
    for await (const part of request.parts({ limits: { fileSize: MAX_PDF_BYTES, files: 1 } })) {
      if (part.type === 'file') {
        pdf = await part.toBuffer();
        raw.fileName ??= part.filename;
      } else {
        const value = String(part.value);
        if (part.fieldname === 'recipients' || part.fieldname === 'recipients[]')
          ((raw.recipients ??= []) as string[]).push(
            ...value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          );
        else if (part.fieldname === 'priority') raw.priority = Number(value);
        else if (part.fieldname === 'keepNumber') raw.keepNumber = value === 'true';
        else raw[part.fieldname] = value;
      }
    }
    raw.pdfBase64 = pdf ? 'multipart' : undefined;
  } else {
    raw = (request.body ?? {}) as Record<string, unknown>;
  }
  const parsed = schema.safeParse(raw);
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

type App = Parameters<FastifyPluginAsyncZod>[0];

/** Stores and lookups the document routes share; every lookup answers 404 for another agency's document. */
function documentRouteContext(deps: AppDeps) {
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
  /**
   * For reading only: the caller agency's document or one of an agency merged into it (issue 12: a merged
   * agency's documents stay readable under the successor). Actions still need `ownDocument`.
   */
  const readableDocument = async (request: FastifyRequest, id: string): Promise<OutgoingView> => {
    const principal = principalOf(request);
    const doc = await documents().getOutgoingAmong(await readableAgencies(db(), principal.agency), id);
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

  /** Who signed a document recorded before the read model kept its signer: the `document.signed` actor. */
  const signerFromHistory = async (doc: OutgoingView): Promise<SignerInfo> => {
    const signed = [...(doc.history ?? [])].reverse().find((e) => e.event === 'document.signed');
    const user = signed ? await deps.identity.getUser(signed.actor) : null;
    const title = user?.title ?? '';
    return {
      fullName: user?.fullName ?? signed?.actor ?? 'Không rõ',
      title,
      competence: title.toUpperCase(),
    };
  };

  /** An issued document that can still be amended (not superseded, not recalled), or a 409. */
  const amendable = async (request: FastifyRequest, id: string): Promise<OutgoingView> => {
    const old = await ownDocument(request, id);
    if (old.state !== 'DISPATCHED' && old.state !== 'COMPLETED')
      throw new LienthongError(
        'WRONG_STATE',
        `only a dispatched document can be updated or replaced (state ${old.state})`,
      );
    if (old.supersededBy)
      throw new LienthongError('CONFLICT', `the document was already superseded by ${old.supersededBy.id}`);
    const amendments = await documents().findOutgoing(old.agency, { 'amendment.of': old.id });
    const refused = checkNewAmendment(old.id, amendments);
    if (refused) throw new LienthongError(refused.code, refused.message);
    if (old.number === undefined || !old.notation || !old.issuedAt || !old.edxmlDocumentId)
      throw new LienthongError('WRONG_STATE', 'the document has no number yet');
    return old;
  };
  return {
    deps,
    db,
    documents,
    files,
    ownDocument,
    readableDocument,
    handleOf,
    result,
    signerFromHistory,
    amendable,
  };
}

type DocumentRouteContext = ReturnType<typeof documentRouteContext>;

/** Creating a draft (JSON or multipart). */
function registerDraftRoute(app: App, ctx: DocumentRouteContext): void {
  const { deps } = ctx;
  app.post(
    '/documents',
    {
      preValidation: roleGuard('drafter'),
      schema: {
        tags: ['documents'],
        summary:
          'Create a draft: JSON with fileName + pdfBase64, multipart with a file part, or JSON with form (body paragraphs, signature block) from which the server lays out a Decree 30 document. type by code (CV) or Vietnamese name (Công văn). With an Idempotency-Key header a retry returns the draft the first request made (200) instead of a second one',
        // Optional: a multipart request has no parsed body; readPdfRequest validates its fields the same way.
        body: CreateDocumentBodySchema.optional(),
        response: {
          200: CreatedDocumentSchema,
          201: CreatedDocumentSchema,
          ...problemResponses,
          413: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'drafter');
      const key = idempotencyKeyOf(request);
      const idempotentId = key === undefined ? undefined : idempotentDocumentId(principal, key);
      /** With a key: the draft an earlier request made already (200), or nothing yet. */
      const earlier = async (subject: string) =>
        idempotentId === undefined
          ? undefined
          : earlierDraft(ctx.documents(), principal, idempotentId, subject);
      const json = request.isMultipart() ? undefined : (request.body as { form?: unknown } | undefined);
      if (json?.form !== undefined) {
        const body = parseBody(CreateDocumentFromFormRequestSchema, json);
        const made = await earlier(body.subject);
        if (made) return reply.code(200).send(made);
        const pdf = await draftFromForm(deps, principal, body);
        const fileName = body.fileName ?? `${body.subject.slice(0, 200).replace(/[/\\]/g, '-')}.pdf`;
        const id = await startDocument(deps, principal, { ...body, fileName, file: pdf }, idempotentId);
        return reply.code(201).send({ id, state: 'DRAFT' as const });
      }
      const { body, pdf } = await readPdfRequest(request, CreateDocumentRequestSchema);
      const made = await earlier(body.subject);
      if (made) return reply.code(200).send(made);
      const id = await startDocument(deps, principal, { ...body, file: pdf }, idempotentId);
      return reply.code(201).send({ id, state: 'DRAFT' as const });
    },
  );
}

/** Amending a dispatched document: update (same file) or replace (new file). */
function registerAmendmentRoutes(app: App, ctx: DocumentRouteContext): void {
  const { deps, signerFromHistory, amendable } = ctx;
  app.post(
    '/documents/:id/update',
    {
      preValidation: roleGuard('clerk'),
      schema: {
        tags: ['documents'],
        summary:
          'Update a dispatched document (BusinessDocType 2, the clerk): corrected metadata, same signed file; recipients get the new version linked to the old, which is superseded',
        params: DocumentIdParamsSchema,
        body: UpdateDocumentRequestSchema,
        response: { 201: CreatedDocumentSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'clerk');
      const body = parseBody(UpdateDocumentRequestSchema, request.body);
      const old = await amendable(request, request.params.id);
      const id = await startDocument(deps, principal, {
        type: old.type,
        subject: body.subject ?? old.subject,
        recipients: old.recipients.map((r) => r.agency),
        priority: body.priority ?? old.priority,
        dueDate: body.dueDate === null ? undefined : (body.dueDate ?? old.dueDate),
        fileName: old.fileName,
        file: old.file,
        amendment: {
          kind: 'update',
          of: old.id,
          ofEdxmlId: old.edxmlDocumentId!,
          reason: body.reason,
          keep: { number: old.number!, notation: old.notation!, issuedAt: old.issuedAt },
          signer: old.signer ?? (await signerFromHistory(old)),
        },
      });
      return reply.code(201).send({ id, state: 'SIGNED' as const });
    },
  );

  app.post(
    '/documents/:id/replace',
    {
      preValidation: roleGuard('drafter'),
      schema: {
        tags: ['documents'],
        summary:
          'Replace a dispatched document (BusinessDocType 3, the drafter): a new PDF through approval and signing again; once dispatched the old one is superseded everywhere. JSON {reason, fileName, pdfBase64, subject?, type?, recipients?, priority?, dueDate?, keepNumber?} or multipart',
        params: DocumentIdParamsSchema,
        body: ReplaceDocumentRequestSchema.optional(),
        response: { 201: CreatedDocumentSchema, ...problemResponses, 413: ProblemSchema },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'drafter');
      const old = await amendable(request, request.params.id);
      const { body, pdf } = await readPdfRequest(request, ReplaceDocumentRequestSchema);
      const id = await startDocument(deps, principal, {
        type: body.type ?? old.type,
        subject: body.subject ?? old.subject,
        recipients: body.recipients ?? old.recipients.map((r) => r.agency),
        priority: body.priority ?? old.priority,
        dueDate: body.dueDate ?? old.dueDate,
        fileName: body.fileName,
        file: pdf,
        amendment: {
          kind: 'replace',
          of: old.id,
          ofEdxmlId: old.edxmlDocumentId!,
          reason: body.reason,
          keep: body.keepNumber ? { number: old.number!, notation: old.notation! } : undefined,
        },
      });
      return reply.code(201).send({ id, state: 'DRAFT' as const });
    },
  );
}

/** Reading documents: the list, one document and its file. */
function registerReadRoutes(app: App, ctx: DocumentRouteContext): void {
  const { db, documents, files, readableDocument } = ctx;
  app.get(
    '/documents',
    {
      schema: {
        tags: ['documents'],
        summary: "The caller agency's outgoing documents, newest first",
        querystring: PageQuerySchema,
        response: { 200: DocumentListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { limit, offset } = request.query;
      const agencies = await readableAgencies(db(), principal.agency);
      const page = await documents().listOutgoing(agencies, { limit, offset });
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
        response: { 200: DocumentDetailSchema, ...problemResponses },
      },
    },
    async (request) => detail(await readableDocument(request, request.params.id)),
  );

  app.get(
    '/documents/:id/file',
    {
      schema: {
        tags: ['documents'],
        summary: 'The current PDF (after the latest signature)',
        params: DocumentIdParamsSchema,
        response: { 200: z.any(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const doc = await readableDocument(request, request.params.id);
      const bytes = await files().get(doc.file);
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition(doc.fileName))
        .header('x-content-sha256', doc.file.sha256)
        .send(Buffer.from(bytes));
    },
  );
}

/** The workflow steps on one document, each a Temporal update. */
function registerStepRoutes(app: App, ctx: DocumentRouteContext): void {
  const { deps, ownDocument, handleOf, result } = ctx;
  /** A step on one document; `body` (when the step takes one) is declared so it is validated and documented. */
  const action = (
    path: string,
    summary: string,
    run: (doc: OutgoingView, request: FastifyRequest) => Promise<ActionOutcome>,
    body?: z.ZodType,
  ) =>
    app.post(
      `/documents/:id/${path}`,
      {
        schema: {
          tags: ['documents'],
          summary,
          params: DocumentIdParamsSchema,
          ...(body ? { body } : {}),
          response: { 200: ActionResultSchema, ...problemResponses },
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
  action(
    'approve',
    'Approve the current step ({comment?})',
    async (doc, request) => {
      const body = parseBody(ApproveRequestSchema, request.body);
      return runUpdate(handleOf(doc), approveUpdate, [await actorOf(deps, request), body]);
    },
    ApproveRequestSchema,
  );
  action(
    'reject',
    'Return to the drafter ({reason})',
    async (doc, request) => {
      const body = parseBody(ReasonRequestSchema, request.body);
      return runUpdate(handleOf(doc), rejectUpdate, [await actorOf(deps, request), body]);
    },
    ReasonRequestSchema,
  );
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
    SignatureSubmissionSchema,
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
    ReasonRequestSchema,
  );
}

/** Phase one of deferred signing (a read that may start the phase). */
function registerSigningRequestRoute(app: App, ctx: DocumentRouteContext): void {
  const { deps, ownDocument, handleOf } = ctx;
  app.get(
    '/documents/:id/signing-request',
    {
      schema: {
        tags: ['documents'],
        summary: 'Phase one of deferred signing: the bytes a token holder signs',
        params: DocumentIdParamsSchema,
        response: { 200: SigningRequestSchema, ...problemResponses },
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
}

/**
 * Outgoing documents ("văn bản đi") under /api/v1/documents: draft, approval, signing (server-held key or deferred
 * two-phase), issue by the clerk, withdrawal. Every step is a Temporal update on `doc:<agency>:<id>`; a document of
 * another agency answers 404 whatever the caller's role.
 */
export function documentRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(multipart, { limits: { fileSize: MAX_PDF_BYTES, files: 1 } });
    const ctx = documentRouteContext(deps);
    registerDraftRoute(app, ctx);
    registerAmendmentRoutes(app, ctx);
    registerReadRoutes(app, ctx);
    registerStepRoutes(app, ctx);
    registerSigningRequestRoute(app, ctx);
  };
}
