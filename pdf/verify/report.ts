import type { ValidationReport } from '../../pki/types';
import type { StructureWarning } from '../core/warnings';
import type { Change, ChangeAnalysis, ModificationLevel } from './changes';

export type { Change, ChangeAnalysis, ModificationLevel } from './changes';

/** Main indication of a validation (ETSI EN 319 102-1 5.1.3; as in the EU DSS simple report). */
export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

/**
 * Sub-indications (ETSI EN 319 102-1 Table 5/6), plus MODIFIED_AFTER_SIGNING, the forbidden-change sub-indication:
 * a later revision made a change that no rule of `CHANGE_RULES` allows, or that the signature's DocMDP/FieldMDP
 * forbids (ISO 32000-1 12.8.2.2, 12.8.2.4).
 */
export type SubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'MODIFIED_AFTER_SIGNING'
  | 'REVOKED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'CHAIN_CONSTRAINTS_FAILURE'
  | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'REVOKED_NO_POE'
  | 'TRY_LATER';

/** Verdict on one signature. */
export interface SignatureReport {
  /** First field (in file order) whose /V is this signature. */
  fieldName: string;
  /** Every field, in any revision, whose /V is this signature dictionary (one CMS named by two fields is one signature). */
  fieldNames?: string[];
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
  /** Document time-stamps (SubFilter ETSI.RFC3161) found; reported, not validated. */
  documentTimestamps: string[];
  decree30?: Decree30Report;
  /** Structural oddities tolerated while reading (a rebuilt cross-reference table, offsets that were off). */
  structureWarnings?: StructureWarning[];
}
