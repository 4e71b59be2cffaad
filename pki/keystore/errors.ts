/** Stable codes of key store failures. */
export const KeystoreErrorCodes = [
  'KEY_DECRYPT_FAILED',
  'PKCS12_INVALID',
  'PKCS12_NO_KEY',
  'BAD_PASSPHRASE_FORMAT',
] as const;
export type KeystoreErrorCode = (typeof KeystoreErrorCodes)[number];

/** A key store failure. Never carries key material or the passphrase. */
export class KeystoreError extends Error {
  override readonly name = 'KeystoreError';
  constructor(
    readonly code: KeystoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
