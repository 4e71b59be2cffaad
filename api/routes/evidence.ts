import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SignedEvidenceManifest } from '../../activities/evidence';
import { envelopeToEdxml } from '../../edxml/lienthong';
import { writeEdxml } from '../../edxml/write';
import { evidenceEntries } from '../../evidence/assemble';
import { chainSegment } from '../../evidence/audit-chain';
import { zipBundle } from '../../evidence/bundle';
import { ASIC_MIMETYPE, buildManifest } from '../../evidence/manifest';
import { DocumentIdParamsSchema } from '../../schemas/document';
import { ErrorCodes, LienthongError, type ErrorCode } from '../../schemas/errors';
import { FileStore } from '../../store/file-store';
import type { signEvidenceManifestWorkflow } from '../../workflows/evidence';
import { principalOf } from '../auth';
import type { AppDeps } from '../deps';
import {
  auditOf,
  chainDocumentId,
  envelopeOf,
  statusMessagesOf,
  verificationReportsOf,
  viewedDocument,
  type ViewedDocument,
} from '../evidence-sources';
import { contentDisposition, temporalOf } from '../exchange-support';
import { problemResponses } from '../problem';

/** The domain error a failed workflow carries: its activity's ApplicationFailure type is the error code. */
function domainErrorOf(err: unknown): LienthongError | undefined {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause)
    if (cause instanceof ApplicationFailure && cause.type && cause.type in ErrorCodes)
      return new LienthongError(cause.type as ErrorCode, cause.message);
  return undefined;
}

/** Signs the manifest in the worker (which holds the province key); in and out through GridFS. */
async function signInWorker(deps: AppDeps, manifest: Uint8Array): Promise<Uint8Array> {
  const files = new FileStore(deps.db!);
  const ref = await files.put(manifest, { fileName: 'ASiCManifest.xml', contentType: 'application/xml' });
  let signed: SignedEvidenceManifest;
  try {
    signed = await temporalOf(deps).workflow.execute<typeof signEvidenceManifestWorkflow>(
      'signEvidenceManifestWorkflow',
      {
        workflowId: `evidence:${ref.sha256.slice(0, 16)}:${randomUUID()}`,
        taskQueue: deps.config.temporal.taskQueue,
        args: [{ manifest: ref }],
        workflowExecutionTimeout: '2 minutes',
      },
    );
  } catch (err) {
    throw domainErrorOf(err) ?? err;
  }
  return files.get(signed.signature);
}

/** The document's envelope as edXML (unsigned: the sending agency's key stays in the worker's key store). */
async function edxmlOf(deps: AppDeps, viewed: ViewedDocument): Promise<{ xml: string; name: string }> {
  const envelope = await envelopeOf(deps, viewed);
  const xml = writeEdxml(envelopeToEdxml(envelope));
  return { xml, name: `${envelope.code.number}-${envelope.code.notation}.edxml`.replace(/\//g, '-') };
}

/** The bundle of one document as `viewed` holds it, signed. */
async function buildBundle(deps: AppDeps, viewed: ViewedDocument, username: string): Promise<Uint8Array> {
  const now = deps.clock();
  const files = new FileStore(deps.db!);
  const envelope = await envelopeOf(deps, viewed);
  const { events, chain } = await auditOf(deps, viewed);
  const names = new Map<string, string>([
    [envelope.from.code, envelope.from.name],
    ...envelope.to.map((t): [string, string] => [t.code, t.name]),
  ]);
  const file = viewed.doc.file;
  const entries = evidenceEntries({
    documentId: envelope.messageId,
    edxmlDocumentId: envelope.documentId,
    subject: envelope.subject,
    side: viewed.side,
    agency: viewed.agency,
    generatedAt: now.toISOString(),
    generatedBy: username,
    signedBy: deps.config.systemAgency,
    documents: file
      ? [{ fileName: envelope.attachments[0]?.name ?? 'van-ban.pdf', bytes: await files.get(file) }]
      : [],
    envelopeXml: writeEdxml(envelopeToEdxml(envelope)),
    statuses: statusMessagesOf(viewed, envelope, events, (code) => names.get(code) ?? code),
    verificationReports: await verificationReportsOf(deps, viewed),
    chain: chainSegment(viewed.agency, chainDocumentId(viewed), chain),
    validation: [
      {
        name: 'validation/root.cer',
        mimeType: 'application/pkix-cert',
        bytes: await deps.pki.caCertificate('root'),
      },
      {
        name: 'validation/issuing.cer',
        mimeType: 'application/pkix-cert',
        bytes: await deps.pki.caCertificate('issuing'),
      },
      {
        name: 'validation/root.crl',
        mimeType: 'application/pkix-crl',
        bytes: await deps.pki.currentCrl('root', now),
      },
      {
        name: 'validation/issuing.crl',
        mimeType: 'application/pkix-crl',
        bytes: await deps.pki.currentCrl('issuing', now),
      },
    ],
  });
  const manifest = buildManifest(entries);
  return zipBundle(entries, manifest, await signInWorker(deps, manifest), now);
}

/**
 * GET /documents/:id/edxml and /documents/:id/evidence, for the sender agency's users and each recipient's
 * (`:id` is the sender's document id, or a recipient's inbox id); 404 for anyone else.
 */
export function evidenceRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/documents/:id/edxml',
      {
        schema: {
          tags: ['documents'],
          summary: "The document's envelope as edXML (QCVN 102:2016), application/xml",
          params: DocumentIdParamsSchema,
          response: { 200: z.any(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const viewed = await viewedDocument(deps, principalOf(request).agency, request.params.id);
        const { xml, name } = await edxmlOf(deps, viewed);
        return reply
          .type('application/xml; charset=utf-8')
          .header('content-disposition', contentDisposition(name))
          .send(xml);
      },
    );

    app.get(
      '/documents/:id/evidence',
      {
        schema: {
          tags: ['documents'],
          summary: 'Evidence bundle (ASiC-E ZIP): signed PDF, edXML envelope, statuses, reports, audit chain',
          params: DocumentIdParamsSchema,
          response: { 200: z.any(), ...problemResponses },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const viewed = await viewedDocument(deps, principal.agency, request.params.id);
        const bundle = await buildBundle(deps, viewed, principal.username);
        return reply
          .type(ASIC_MIMETYPE)
          .header('content-disposition', contentDisposition(`bang-chung-${viewed.doc.id}.asice`))
          .send(Buffer.from(bundle));
      },
    );
  };
}
