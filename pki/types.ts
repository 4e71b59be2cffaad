/**
 * Public contract of the PKI library: what path validation takes and returns.
 * Shared by the PAdES verifier, the API and the CLI.
 */

/** Stable result codes of RFC 5280 path validation (Section 6). */
export const ValidationCodes = [
  'VALID',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
  'UNTRUSTED_ROOT',
  'BAD_SIGNATURE',
  'KEY_USAGE',
  'NAME_CHAINING',
  'BASIC_CONSTRAINTS',
  'NAME_CONSTRAINTS',
  'POLICY',
  'CRL_MISSING',
  'CRL_INVALID',
  'UNKNOWN_CRITICAL_EXTENSION',
  'MALFORMED',
  'PATH_NOT_FOUND',
  'PROFILE',
] as const;
export type ValidationCode = (typeof ValidationCodes)[number];

/**
 * A trust anchor with its handling (RFC 5280 6.1.1 (d), RFC 5937). `constraints: 'enforce'` (the default for a bare
 * DER anchor) applies the anchor certificate's own validity, basicConstraints (cA and pathLenConstraint), keyUsage,
 * nameConstraints and the certificate profile rules; `'ignore'` uses only its name and public key.
 */
export interface TrustAnchor {
  certificate: Uint8Array;
  constraints: 'enforce' | 'ignore';
}

export interface PathValidationInput {
  /** Trust anchors: DER certificates (constraints enforced) or {@link TrustAnchor} entries. */
  anchors: Array<Uint8Array | TrustAnchor>;
  /** End-entity (target) certificate, DER. */
  cert: Uint8Array;
  /** Untrusted intermediates in any order, DER. */
  intermediates?: Uint8Array[];
  /** CRLs (complete and delta), DER. When none cover a certificate in the path, `CRL_MISSING` unless `revocation` is 'none'. */
  crls?: Uint8Array[];
  /** Validation time (RFC 5280 6.1.1 (b)). Never defaulted to the clock inside the library. */
  at: Date;
  /** user-initial-policy-set (6.1.1 (c)); default anyPolicy. */
  policies?: string[];
  initialExplicitPolicy?: boolean;
  initialPolicyMappingInhibit?: boolean;
  initialAnyPolicyInhibit?: boolean;
  /** 'require' (default): every non-anchor certificate needs CRL coverage; 'none': skip revocation checking. */
  revocation?: 'require' | 'none';
  /** Key usages the end-entity certificate must assert, e.g. ['digitalSignature', 'nonRepudiation']. */
  requiredKeyUsage?: KeyUsageName[];
}

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** Bit positions of KeyUsage (RFC 5280 4.2.1.3); here because both the issuing side and validation encode them. */
export const KeyUsageBits: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
};

/** Serialisable outcome of path validation. An invalid path is a normal result, not an exception. */
export interface ValidationReport {
  valid: boolean;
  code: ValidationCode;
  message: string;
  /** Subject DNs (RFC 4514 strings) from the trust anchor down to the target, as far as the path was built. */
  path: string[];
  /** With `REVOKED`: the revocationDate and reason of the CRL entry (RFC 5280 5.3.1). */
  revocation?: { date: string; reason?: string };
  /**
   * Whether the trust anchor's own constraints were applied to the reported path ('enforced' or 'ignored'); absent
   * when no path reached an anchor.
   */
  anchorConstraints?: 'enforced' | 'ignored';
  /** Certificate profile rules (RFC 5280 section 4) the reported path breaks that are only warned about. */
  warnings?: string[];
  /** Supplied anchors or intermediates that could not be parsed and were left out of path building. */
  skipped?: string[];
}
