import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ProblemSchema } from '../schemas/api';
import { httpStatusOf, isLienthongError, type ErrorCode } from '../schemas/errors';
import { isTransientDependencyError } from './transient';

/** What a 503 asks the client to wait before trying again. */
const RETRY_AFTER_SECONDS = 2;

/** Error responses every protected route may give, for route schemas (OpenAPI) and response validation. */
export const problemResponses = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
} as const;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemInit {
  code: ErrorCode | string;
  detail?: string;
  status?: number;
  errors?: { path: string; message: string }[];
  extra?: Record<string, unknown>;
}

/** Sends an RFC 9457 problem+json response with our stable `code`. */
export function sendProblem(reply: FastifyReply, init: ProblemInit): FastifyReply {
  const status = init.status ?? httpStatusOf(init.code);
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .serializer(JSON.stringify)
    .send({
      type: `https://lienthong.gov.vn/problems/${init.code.toLowerCase().replace(/_/g, '-')}`,
      title: TITLES[status] ?? 'Error',
      status,
      code: init.code,
      detail: init.detail,
      instance: reply.request.url,
      errors: init.errors,
      ...init.extra,
    });
}

function isZodError(err: unknown): err is { issues: { path: PropertyKey[]; message: string }[] } {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { name?: unknown }).name === 'ZodError' &&
    Array.isArray((err as { issues?: unknown }).issues)
  );
}

/** Maps every error the app can throw to problem+json; unexpected ones are logged and hidden behind 500. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      code: 'NOT_FOUND',
      detail: `No route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return sendProblem(reply, {
        code: 'VALIDATION_FAILED',
        detail: 'The request does not match the schema',
        errors: error.validation.map((v) => ({
          path: `${error.validationContext ?? 'body'}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}`,
          message: v.message ?? v.keyword,
        })),
      });
    }
    if (isZodError(error)) {
      // A schema parsed by hand inside a handler: still the caller's input, still a 400 naming each field.
      return sendProblem(reply, {
        code: 'VALIDATION_FAILED',
        detail: 'The request does not match the schema',
        errors: error.issues.map((i) => ({
          path: i.path.map(String).join('.') || '(root)',
          message: i.message,
        })),
      });
    }
    if (isLienthongError(error)) {
      if (error.code === 'DEPENDENCY_DOWN') reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendProblem(reply, { code: error.code, detail: error.message, extra: error.details });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return sendProblem(reply, { code: 'INTERNAL', detail: 'Internal error' });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, { code: 'INVALID_JSON', detail: error.message });
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, { code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large' });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', detail: error.message });
    }
    if (error instanceof SyntaxError || (error.statusCode === 400 && !error.code?.startsWith('FST_ERR_'))) {
      return sendProblem(reply, { code: 'BAD_REQUEST', detail: error.message });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, { code: 'BAD_REQUEST', status: error.statusCode, detail: error.message });
    }
    if (isTransientDependencyError(error)) {
      request.log.warn({ err: error }, 'a dependency failed; answered 503');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendProblem(reply, {
        code: 'DEPENDENCY_DOWN',
        detail: 'A service the API depends on is unavailable or busy; try again shortly',
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, { code: 'INTERNAL', detail: 'Internal error' });
  });
}
