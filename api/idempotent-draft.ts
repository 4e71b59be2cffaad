import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { DocumentState } from '../schemas/document';
import { LienthongError } from '../schemas/errors';
import type { Principal } from '../schemas/identity';
import type { DocumentStore } from '../store/document-store';

/** What a client may send as `Idempotency-Key`: visible ASCII, as the IETF draft's examples and UUIDs are. */
const KEY = /^[\x21-\x7e]{1,200}$/;

/** The request's `Idempotency-Key`, if any. @throws LienthongError (400) for an empty, long or non-ASCII key. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !KEY.test(value))
    throw new LienthongError('VALIDATION_FAILED', 'Idempotency-Key must be 1–200 visible ASCII characters');
  return value;
}

/**
 * The document id a key stands for: the same key from the same account of the same agency always names the same
 * draft (a UUID of version 8, from SHA-256), so a client that retries a creation after a timeout or a dropped
 * connection gets the draft it already made instead of a second one.
 */
export function idempotentDocumentId(principal: Principal, key: string): string {
  const h = createHash('sha256').update(`${principal.agency}\n${principal.username}\n${key}`).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The draft an earlier request with this key made, once its workflow has written it (version ≥ 1); `undefined`
 * when there is none yet, or only the row saved before the workflow was started, so the caller starts (again) and a
 * request that died between the two completes. The same key for another subject is a client error (409).
 */
export async function earlierDraft(
  documents: DocumentStore,
  principal: Principal,
  id: string,
  subject: string,
): Promise<{ id: string; state: DocumentState } | undefined> {
  const doc = await documents.getOutgoing(principal.agency, id);
  if (!doc) return undefined;
  if (doc.subject !== subject)
    throw new LienthongError(
      'CONFLICT',
      'this Idempotency-Key was used for another draft (a different subject)',
    );
  return doc.version >= 1 ? { id, state: doc.state } : undefined;
}
