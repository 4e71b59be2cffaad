/**
 * Stable error codes of the whole system and the HTTP status each maps to.
 * Clients compare by `code`; messages may change, codes never do.
 */
export const ErrorCodes = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  WRONG_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  DOMAIN_VALIDATION: 422,
  CERT_NOT_FOUND: 422,
  CERT_REVOKED: 422,
  HASH_FAILURE: 422,
  SIGNATURE_INVALID: 422,
  UNSUPPORTED_VERSION: 422,
  NUMBER_TAKEN: 409,
  UNKNOWN_AGENCY: 422,
  CERT_UNTRUSTED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  DEPENDENCY_DOWN: 503,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export function httpStatusOf(code: string): number {
  return (ErrorCodes as Record<string, number>)[code] ?? 500;
}

/** A domain error with a stable code and optional context fields. Compare by `code`, not `instanceof`. */
export class LienthongError extends Error {
  override readonly name = 'LienthongError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isLienthongError(err: unknown): err is LienthongError {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'LienthongError';
}
