import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Actor } from '../schemas/document';
import { ErrorCodes, LienthongError, type ErrorCode } from '../schemas/errors';
import { principalOf } from './auth';
import type { AppDeps } from './deps';

/** The Temporal client, or 503 when the API runs without one. */
export function temporalOf(deps: AppDeps): Client {
  if (!deps.temporal) throw new LienthongError('DEPENDENCY_DOWN', 'Temporal is not connected');
  return deps.temporal;
}

/** The caller as a workflow actor: identity from the token, name and title from the directory. */
export async function actorOf(deps: AppDeps, request: FastifyRequest): Promise<Actor> {
  const principal = principalOf(request);
  const user = await deps.identity.getUser(principal.username);
  if (!user || user.active === false)
    throw new LienthongError('UNAUTHENTICATED', 'The account no longer exists');
  return {
    username: principal.username,
    agency: principal.agency,
    roles: principal.roles,
    fullName: user.fullName,
    title: user.title,
  };
}

function codeOf(type: string | undefined): ErrorCode {
  return type && type in ErrorCodes ? (type as ErrorCode) : 'DOMAIN_VALIDATION';
}

/**
 * Runs a workflow update and maps its refusal to a domain error: a validator's FORBIDDEN/WRONG_STATE/CONFLICT, an
 * activity's CERT_REVOKED or SIGNATURE_INVALID keep their code; a closed workflow is a wrong state.
 */
export async function runUpdate<Ret, Args extends [unknown, ...unknown[]]>(
  handle: WorkflowHandle,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
): Promise<Ret> {
  try {
    return await handle.executeUpdate(update as UpdateDefinition<Ret, [unknown, ...unknown[]]>, { args });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as {
        type?: string;
        message?: string;
        cause?: { type?: string; message?: string };
      };
      const root = cause?.type ? cause : (cause?.cause ?? cause);
      throw new LienthongError(codeOf(root?.type), root?.message ?? err.message);
    }
    if (err instanceof WorkflowNotFoundError || /already completed|not found/i.test(String(err)))
      throw new LienthongError('WRONG_STATE', 'the document is closed; no further steps are possible');
    throw err;
  }
}

/** `Content-Disposition` for a download, keeping Vietnamese file names (RFC 6266 / RFC 5987). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Validates a request body against a schema; a violation is a 400 listing each failing field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success)
    throw new LienthongError('VALIDATION_FAILED', 'The request does not match the schema', {
      errors: parsed.error.issues.map((i) => ({ path: `body.${i.path.join('.')}`, message: i.message })),
    });
  return parsed.data;
}
