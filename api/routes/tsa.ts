import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PROVINCE_TSA_POLICY, answerTimestampRequest } from '../../pki/tsa/authority';
import { TimestampRequestError, parseTimestampRequest } from '../../pki/tsa/request';
import { sendProblem } from '../problem';
import type { AppDeps } from '../deps';

/** A TimeStampReq is under 200 bytes with a SHA-512 imprint; anything much larger is not one. */
const QUERY_LIMIT = 4096;

/**
 * The province time-stamp authority (RFC 3161 3.4, time-stamp protocol via HTTP) and its certificate: open to
 * anyone, like the CRLs, since a token says only that a hash existed at a time. `POST /tsa` takes
 * application/timestamp-query and answers application/timestamp-reply, with a rejection status for a request the TSA
 * does not support (algorithm, policy, extensions) and problem+json (400) for bytes that are no TimeStampReq.
 */
export function tsaRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const tsa = () => deps.pki.tsa();
    app.addContentTypeParser(
      'application/timestamp-query',
      { parseAs: 'buffer', bodyLimit: QUERY_LIMIT },
      (_req, body, done) => done(null, body),
    );

    app.post(
      '/tsa',
      {
        schema: { tags: ['pki'], summary: 'RFC 3161 time-stamp (application/timestamp-query)', security: [] },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body))
          return sendProblem(reply, {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            detail: 'send a TimeStampReq (RFC 3161) as application/timestamp-query',
          });
        let req;
        try {
          req = parseTimestampRequest(request.body);
        } catch (err) {
          if (!(err instanceof TimestampRequestError)) throw err;
          return sendProblem(reply, { code: 'BAD_REQUEST', detail: err.message });
        }
        // genTime: the API host's system clock, kept by NTP (README, Time-stamp authority).
        const now = deps.clock();
        const store = tsa();
        const answer = await answerTimestampRequest(req, {
          credentials: await store.credentials(now),
          policy: PROVINCE_TSA_POLICY,
          now,
          allocateSerial: (genTime) =>
            store.allocateSerial(genTime, {
              algorithm: req.hashAlgorithmOid,
              hex: Buffer.from(req.hashedMessage).toString('hex'),
            }),
        });
        return reply.type('application/timestamp-reply').header('cache-control', 'no-store').send(answer);
      },
    );

    app.get(
      '/pki/ca/tsa.cer',
      { schema: { tags: ['pki'], summary: 'Certificate of the time-stamp authority (DER)', security: [] } },
      async (_request, reply) => {
        const der = await tsa().certificate(deps.clock());
        return reply
          .type('application/pkix-cert')
          .header('cache-control', 'public, max-age=300')
          .header('etag', `"${createHash('sha256').update(der).digest('hex').slice(0, 32)}"`)
          .send(Buffer.from(der));
      },
    );
  };
}
