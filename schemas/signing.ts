/**
 * Deferred PAdES signing state, shared by pdf/ (which produces and consumes it) and the document workflow (which
 * carries it between the prepare and complete activities). It lives here so workflow-side code can name it without
 * importing pdf/.
 */

/** Signature scheme of the signer's key. */
export interface SignatureScheme {
  keyAlgorithm: 'RSA' | 'ECDSA';
  hash: 'SHA-256' | 'SHA-384';
  /** RSA only: PKCS #1 v1.5 (default) or RSASSA-PSS (RFC 4055) with salt length = hash length. */
  rsaScheme?: 'pkcs1' | 'pss';
}

/** Serialisable state between `prepareSignature` and `completeSignature` (JSON-safe). */
export interface PreparedSignatureState {
  version: 1;
  /** /ByteRange of the prepared file (ISO 32000-1 12.8.1). */
  byteRange: [number, number, number, number];
  /** Size of the prepared file. */
  preparedSize: number;
  /** Hex digits available between `<` and `>` of /Contents. */
  contentsCapacity: number;
  scheme: SignatureScheme;
  /** Base64 digest of the ByteRange (the message-digest attribute). */
  messageDigest: string;
  /** Base64 DER of the signed attributes (RFC 5652 5.4): the exact bytes to sign. */
  signedAttributes: string;
  /** Base64 DER certificates, signer first. */
  certificateChain: string[];
}
