import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeXmlBytes } from '../../edxml/dom';
import { readCertificates } from '../../pdf/cms/certificate';
import { exchangeNames } from '../../schemas/edxml';
import { LienthongError } from '../../schemas/errors';
import { EdxmlGatewayStore } from '../../store/edxml-gateway-store';
import type { AppDeps } from '../deps';
import { acceptEdxml, type EdxmlInboxDeps } from '../edxml-inbox';
import { problemResponses } from '../problem';

/**
 * `POST /api/v1/edxml/inbox`: the national platform delivers edXML envelopes and statuses here. Authenticated as
 * the configured external system (`Authorization: Bearer <EDXML_INBOX_TOKEN>`), never anonymously; a user's JWT is
 * a known caller without the right (403). Body `application/xml` or `text/xml`; anything else is 415.
 */

const XML_TYPES = ['application/xml', 'text/xml'];

const InboxAcceptedSchema = z.object({
  kind: z.enum(['envelope', 'status']),
  documentId: z.string(),
  messageId: z.string().optional(),
  recipients: z.array(z.string()).optional(),
  statusCode: z.string().optional(),
  to: z.string().optional(),
  duplicate: z.boolean(),
  signer: z.string().optional(),
  notes: z.array(z.string()),
});

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The external system's token, compared in constant time (both sides hashed to one length). */
function externalSystemAuth(deps: AppDeps) {
  const configured = deps.config.edxml.inboxToken;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      const match = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i);
      if (!match)
        throw new LienthongError(
          'UNAUTHENTICATED',
          'Authorization: Bearer <external system token> is required',
        );
      if (configured && timingSafeEqual(digest(match[1]), digest(configured))) return;
      const user = await deps.tokens.verify(match[1], deps.clock()).catch(() => undefined);
      if (user)
        throw new LienthongError('FORBIDDEN', 'only the configured external system may deliver edXML here');
      if (!configured)
        throw new LienthongError('FORBIDDEN', 'the edXML inbox is closed: no external system is configured');
      throw new LienthongError('INVALID_CREDENTIALS', 'the token is not the external system’s');
    } catch (err) {
      // Refused before the body is read; do not keep the connection for a body nobody will read.
      reply.header('connection', 'close');
      throw err;
    }
  };
}

function inboxDeps(deps: AppDeps): EdxmlInboxDeps | undefined {
  if (!deps.nats || !deps.db) return undefined;
  const file = deps.config.edxml.trustAnchorsFile;
  return {
    nats: deps.nats,
    identity: deps.identity,
    sent: new EdxmlGatewayStore(deps.db),
    names: exchangeNames(deps.config.exchange.namespace),
    replicas: deps.config.nats.replicas,
    clock: deps.clock,
    provinceTrust: async (now) =>
      (await deps.pki.isInitialised()) ? deps.pki.trustMaterial(now) : undefined,
    externalAnchors: file ? readCertificates(readFileSync(file)) : [],
  };
}

export function edxmlInboxRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const inbox = inboxDeps(deps);
    app.addContentTypeParser(XML_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post(
      '/edxml/inbox',
      {
        onRequest: externalSystemAuth(deps),
        schema: {
          tags: ['edxml'],
          summary: 'Deliver an edXML envelope or status from the national exchange platform',
          security: [{ bearer: [] }],
          response: { 202: InboxAcceptedSchema, ...problemResponses, 415: problemResponses[400] },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body))
          throw new LienthongError(
            'UNSUPPORTED_MEDIA_TYPE',
            `the body must be edXML (${XML_TYPES.join(' or ')}), not ${request.headers['content-type'] ?? 'nothing'}`,
          );
        if (!inbox) throw new LienthongError('DEPENDENCY_DOWN', 'the edXML inbox needs NATS and MongoDB');
        const outcome = await acceptEdxml(inbox, decodeXmlBytes(request.body));
        request.log.info({ ...outcome, notes: outcome.notes.length }, 'edXML accepted from the platform');
        return reply.code(202).send(outcome);
      },
    );
  };
}
