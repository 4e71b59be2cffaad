import type { ValidationReport } from '../../pki/types';
import type { StructureWarning } from '../core/warnings';
import type { Change, ChangeAnalysis, ModificationLevel } from './changes';

export type { Change, ChangeAnalysis, ModificationLevel } from './changes';

/** Main indications of a validation (ETSI EN 319 102-1 5.1.3; as in the EU DSS simple report). */
export const INDICATIONS = ['TOTAL_PASSED', 'INDETERMINATE', 'TOTAL_FAILED'] as const;
export type Indication = (typeof INDICATIONS)[number];

/**
 * Sub-indications and the main indications each may accompany (ETSI EN 319 102-1 5.1.3, Tables 5 and 6), plus
 * MODIFIED_AFTER_SIGNING, the forbidden-change sub-indication: a later revision made a change that no rule of
 * `CHANGE_RULES` allows, or that the signature's DocMDP/FieldMDP forbids (ISO 32000-1 12.8.2.2, 12.8.2.4). The one
 * place these names are spelled: {@link Verdict} only accepts a pair listed here.
 */
export const SUB_INDICATIONS = {
  FORMAT_FAILURE: ['TOTAL_FAILED', 'INDETERMINATE'],
  HASH_FAILURE: ['TOTAL_FAILED'],
  SIG_CRYPTO_FAILURE: ['TOTAL_FAILED'],
  MODIFIED_AFTER_SIGNING: ['TOTAL_FAILED'],
  REVOKED: ['TOTAL_FAILED'],
  EXPIRED: ['TOTAL_FAILED'],
  NOT_YET_VALID: ['TOTAL_FAILED', 'INDETERMINATE'],
  NO_SIGNING_CERTIFICATE_FOUND: ['INDETERMINATE'],
  NO_CERTIFICATE_CHAIN_FOUND: ['INDETERMINATE'],
  CHAIN_CONSTRAINTS_FAILURE: ['INDETERMINATE'],
  CERTIFICATE_CHAIN_GENERAL_FAILURE: ['INDETERMINATE'],
  /** The algorithm or key size is not accepted by the validation policy, and never was (or is not implemented). */
  CRYPTO_CONSTRAINTS_FAILURE: ['INDETERMINATE'],
  /** The algorithm or key size was accepted once but is not at the validation time, and no proof of existence
   * (time-stamp) before that date is available. */
  CRYPTO_CONSTRAINTS_FAILURE_NO_POE: ['INDETERMINATE'],
  OUT_OF_BOUNDS_NO_POE: ['INDETERMINATE'],
  REVOKED_NO_POE: ['INDETERMINATE'],
  TRY_LATER: ['INDETERMINATE'],
} as const satisfies Record<string, readonly Indication[]>;
export type SubIndication = keyof typeof SUB_INDICATIONS;

/** The sub-indications that may accompany `I`. */
export type SubIndicationOf<I extends Indication> = {
  [S in SubIndication]: I extends (typeof SUB_INDICATIONS)[S][number] ? S : never;
}[SubIndication];

/** Verdict on one RFC 3161 time-stamp token (a document time-stamp or a signature time-stamp). */
export interface TimestampReport {
  valid: boolean;
  indication: Indication;
  subIndication?: SubIndication;
  messages: string[];
  /** TSTInfo genTime (RFC 3161 2.4.2), ISO 8601 UTC. */
  genTime?: string;
  /** Subject of the TSA certificate that signed the token (RFC 4514). */
  tsa?: string;
  /** The TSTInfo `tsa` field when it is a directory name. */
  tsaName?: string;
  /** TSTInfo serialNumber (lower-case hex) and policy OID. */
  serial?: string;
  policy?: string;
  /** Hash algorithm of the message imprint, and whether the imprint matches what the token should cover. */
  imprintAlgorithm?: string;
  imprintMatches?: boolean;
  /** TSA certificate path at the validation time. */
  certificatePath?: { atValidationTime?: ValidationReport };
}

/** A document time-stamp (ISO 32000-2 12.8.5, /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161). */
export interface DocumentTimestampReport extends TimestampReport {
  /** First field holding it, and every field that references the same time-stamp dictionary. */
  fieldName: string;
  fieldNames: string[];
  byteRange?: number[];
  coversWholeDocument: boolean;
  coveredRevision?: number;
}

/** Verdict on one SignerInfo of a signature's CMS (RFC 5652 5.3). */
export interface SignerInfoReport {
  valid: boolean;
  indication: Indication;
  subIndication?: SubIndication;
  messages: string[];
  signer?: string;
  serial?: string;
  issuer?: string;
  digestAlgorithm?: string;
  /** e.g. "SHA-256 with RSA", "RSASSA-PSS (SHA-256, MGF1 SHA-256, salt 32)", "Ed25519". */
  signatureAlgorithm?: string;
  /** False for a signature over the content itself (RFC 5652 5.4 without signedAttrs). */
  signedAttributes: boolean;
  certificatePath?: { atSigningTime?: ValidationReport; atValidationTime?: ValidationReport };
  /** Signature time-stamps (id-aa-signatureTimeStampToken, RFC 3161 Appendix A) over this SignerInfo's signature. */
  signatureTimestamps: TimestampReport[];
}

/** Verdict on one signature. */
export interface SignatureReport {
  /** First field holding this signature; `fieldNames` lists every field that references the same CMS. */
  fieldName: string;
  fieldNames: string[];
  valid: boolean;
  indication: Indication;
  subIndication?: SubIndication;
  /** Human-readable reasons, first the one that decided the indication. */
  messages: string[];
  subFilter?: string;
  /** Signer certificate subject (RFC 4514, most specific first) and serial (lower-case hex). */
  signer?: string;
  serial?: string;
  issuer?: string;
  /** Claimed signing time (/M, else the signing-time attribute), ISO 8601 UTC. */
  signingTime?: string;
  digestAlgorithm?: string;
  signatureAlgorithm?: string;
  byteRange?: number[];
  /** Bytes covered: the signed revision ends here. */
  signedLength?: number;
  /** 1-based number of the revision the signature covers (revisions end at %%EOF markers). */
  coveredRevision?: number;
  coversWholeDocument: boolean;
  /** Changes made by later revisions, each with the rule that allowed or refused it (`changeAnalysis.changes`). */
  changesAfterSigning: Change[];
  /** Modification level after signing (pyHanko `ModificationLevel`); NONE when the signature covers the file. */
  modificationLevel?: ModificationLevel;
  /** The change analysis: DocMDP/FieldMDP read from the signature, changes per later revision. */
  changeAnalysis?: ChangeAnalysis;
  /** Path validation at the signing time and at the validation time. */
  certificatePath?: { atSigningTime?: ValidationReport; atValidationTime?: ValidationReport };
  /** Role under Decree 30/2020 (personal = leader's signature, organisation = agency seal). */
  role?: 'personal' | 'organisation';
  /** PAdES baseline level reached (ETSI EN 319 142-1 6), from verified time-stamps and the /DSS. */
  level?: 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';
  /** genTime of each valid signature time-stamp, ISO 8601 UTC. */
  timestampTimes?: string[];
  /**
   * Each SignerInfo of the CMS, verified on its own; the signature's indication is the worst of them and of the
   * PDF-level checks. Signer, serial, issuer, algorithms and path above are the first SignerInfo's.
   */
  signerInfos: SignerInfoReport[];
}

/** Decree 30/2020 layout check: a personal signature first, then the issuing agency's organisation signature. */
export interface Decree30Report {
  valid: boolean;
  personalPresent: boolean;
  organisationPresent: boolean;
  personalBeforeOrganisation: boolean;
  agencyMatches?: boolean;
  messages: string[];
}

/** Whole-document report (modelled on the EU DSS simple report). */
export interface PdfVerificationReport {
  /** True when there is at least one signature and every signature is TOTAL_PASSED (and Decree 30 holds if asked). */
  valid: boolean;
  /** TOTAL_PASSED / TOTAL_FAILED (any signature failed) / INDETERMINATE (otherwise, including no signature). */
  indication: Indication;
  validationTime: string;
  revisions: number;
  signatures: SignatureReport[];
  /** Field names of the document time-stamps (SubFilter ETSI.RFC3161); `timestamps` has their verdicts. */
  documentTimestamps: string[];
  /** Document time-stamps, verified: imprint over the ByteRange, TSA signature and certificate. */
  timestamps: DocumentTimestampReport[];
  decree30?: Decree30Report;
  /** What the Document Security Store holds (ETSI EN 319 142-1 5.4.2), when the document has one. */
  dss?: { certs: number; crls: number; vri: number; gatheredAt?: string };
  /** Structural oddities tolerated while reading (a rebuilt cross-reference table, offsets that were off). */
  structureWarnings?: StructureWarning[];
}
