/**
 * A key that can sign, wherever it lives: an encrypted file on the server, a PKCS#11 token, a remote signing service.
 * PDF and CMS code depends on this interface only, never on the key material.
 */
export interface Signer {
  /** Key family; decides which signature algorithms `sign` accepts. */
  readonly keyAlgorithm: 'RSA' | 'ECDSA';
  /** DER certificates: the signer's first, then its issuers (the root may be omitted). */
  certificateChain(): Promise<Uint8Array[]>;
  /**
   * Signs `data` (for CMS: the DER of the signed attributes, RFC 5652 5.4) with the given hash.
   * RSA: `scheme` 'pkcs1' (default) or 'pss'. ECDSA: returns the DER `ECDSA-Sig-Value` (RFC 5480), as CMS requires.
   */
  sign(
    data: Uint8Array,
    options: { hash: 'SHA-256' | 'SHA-384'; scheme?: 'pkcs1' | 'pss' },
  ): Promise<Uint8Array>;
}
