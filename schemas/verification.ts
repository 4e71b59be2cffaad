import { z } from 'zod';

/**
 * Codes of a failed verification on receipt: the stable key the KPI reducer counts by (`vfail:<code>`) and that
 * pages and reports may group by. The human message next to a code may change freely; a code must not, because
 * audit events are permanent and old events were counted under these same names (parsed from "CODE: text").
 */
export const ReceiptFailureCodes = [
  /** An attachment named in the envelope is not in the object store. */
  'PAYLOAD_MISSING',
  /** An attachment's bytes do not match the SHA-256 or size in the envelope (also the PAdES sub-indication). */
  'HASH_FAILURE',
  /** The verifier could not read the file (a PdfError: its own code is in the message). */
  'UNREADABLE_PDF',
  /** The verifier failed in another way on these bytes. */
  'UNVERIFIABLE_PDF',
  /** The document carries no signature. */
  'NO_SIGNATURE',
  /** Every signature is valid but the Decree 30/2020 layout (personal, then organisation signature) is not. */
  'DECREE30_LAYOUT',
] as const;

/**
 * ETSI EN 319 102-1 sub-indications the PDF verifier reports for a signature (pdf/verify/report.ts
 * `SUB_INDICATIONS`), and the main indications used when a signature has none. schemas/ does not import pdf/, so
 * the list is spelled here; activities/exchange/receipt.ts fails to compile if the verifier gains one not listed.
 */
export const SignatureFailureCodes = [
  'FORMAT_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'MODIFIED_AFTER_SIGNING',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
  'NO_SIGNING_CERTIFICATE_FOUND',
  'NO_CERTIFICATE_CHAIN_FOUND',
  'CHAIN_CONSTRAINTS_FAILURE',
  'CERTIFICATE_CHAIN_GENERAL_FAILURE',
  'CRYPTO_CONSTRAINTS_FAILURE',
  'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
  'OUT_OF_BOUNDS_NO_POE',
  'REVOKED_NO_POE',
  'TRY_LATER',
  'TOTAL_FAILED',
  'INDETERMINATE',
] as const;

export const VerificationCodes = [...ReceiptFailureCodes, ...SignatureFailureCodes] as const;
export const VerificationCodeSchema = z.enum(VerificationCodes);
export type VerificationCode = z.infer<typeof VerificationCodeSchema>;

/** Why a received document failed verification: a stable code and a human message (which may be reworded). */
export const VerificationVerdictSchema = z.object({
  code: VerificationCodeSchema,
  message: z.string(),
});
export type VerificationVerdict = z.infer<typeof VerificationVerdictSchema>;

/**
 * The human `reason` text shown by the pages and the API and sent with the `02` status, in the "CODE: message"
 * form events recorded before the verdict existed carry (so old and new rows read the same).
 */
export const verdictText = (v: VerificationVerdict): string => `${v.code}: ${v.message}`;
