import { validatePath as defaultValidatePath } from '../../pki';
import type { PathValidationInput, ValidationReport } from '../../pki/types';
import type { CertificateInfo } from '../cms/certificate';
import { mapValidationCode } from './path-mapping';
import type { Verdict } from './verdict';

/** Trust inputs shared by signatures and time-stamps (see `VerifyPdfOptions`). */
export interface TrustOptions {
  anchors: Uint8Array[];
  intermediates?: Uint8Array[];
  crls?: Uint8Array[];
  at: Date;
  revocation?: 'require' | 'none';
  validatePath?: (input: PathValidationInput) => Promise<ValidationReport>;
  /**
   * When the embedded validation material (/DSS) was gathered: with a proof of existence before it, a path that no
   * longer validates at `at` (expired, CRLs out of date, revoked since) is validated again at this time
   * (ETSI EN 319 102-1 5.6.2.1 past certificate validation).
   */
  pastValidationTime?: Date;
}

/** Path validation at the claimed signing time (without revocation) and at the validation time. */
export interface CertificatePathReport {
  atSigningTime?: ValidationReport;
  atValidationTime?: ValidationReport;
}

/**
 * Validates the path of `cert` (RFC 5280 6) with the certificates the CMS carries, at the claimed signing time and
 * at `opts.at`, and records what it finds in `v` (ETSI EN 319 102-1 5.2.6 X.509 certificate validation).
 * `poe` is a verified proof of existence of the signature (a signature time-stamp's genTime): a certificate revoked
 * or expired after it no longer makes the signature INDETERMINATE (ETSI EN 319 102-1 5.6.2.4 past signature
 * validation: REVOKED_NO_POE and OUT_OF_BOUNDS_NO_POE are resolved by a POE before the event).
 */
export async function checkCertificatePath(
  v: Verdict,
  cert: CertificateInfo,
  embedded: readonly Uint8Array[],
  signingTime: Date | undefined,
  opts: TrustOptions,
  poe?: Date,
): Promise<CertificatePathReport> {
  const validate = opts.validatePath ?? defaultValidatePath;
  const input = (at: Date): PathValidationInput => ({
    anchors: opts.anchors,
    cert: cert.der,
    intermediates: [...embedded.filter((x) => x !== cert.der), ...(opts.intermediates ?? [])],
    crls: opts.crls,
    at,
    revocation: opts.revocation ?? 'require',
  });
  // At the claimed signing time the path is checked without revocation: the CRLs a verifier holds are issued later
  // and RFC 5280 6.3 refuses a CRL whose thisUpdate is after the validation time. Revocation is decided at `at`.
  const atSigning = signingTime ? await validate({ ...input(signingTime), revocation: 'none' }) : undefined;
  const atValidation = await pastIfProven(validate, input, await validate(input(opts.at)), opts, poe, v);
  for (const [r, when] of [
    [atSigning, 'signing'],
    [atValidation, 'validation'],
  ] as const) {
    if (!r) continue;
    const provenBefore = when === 'validation' && poe ? provenBeforeEvent(r, cert, poe) : undefined;
    if (provenBefore) {
      v.note(`certificate path at validation time: ${r.code}, ${provenBefore}`);
      continue;
    }
    // Revoked by now, but after the claimed signing time: without a proof of existence (timestamp) the claim
    // cannot be trusted (ETSI EN 319 102-1: REVOKED_NO_POE); revoked before it: the signature is invalid.
    const revokedBeforeSigning =
      r.code === 'REVOKED' &&
      (!signingTime || !r.revocation || new Date(r.revocation.date).getTime() <= signingTime.getTime());
    const mapped = mapValidationCode(r.code, revokedBeforeSigning ? 'signing' : when);
    if (mapped) v.add({ ...mapped, message: `certificate path at ${when} time: ${r.code} ${r.message}` });
  }
  return { atSigningTime: atSigning, atValidationTime: atValidation };
}

/** Why a time-stamp before a revocation or expiry keeps the signature valid, or undefined when it does not. */
function provenBeforeEvent(r: ValidationReport, cert: CertificateInfo, poe: Date): string | undefined {
  if (r.code === 'REVOKED' && r.revocation && poe.getTime() < new Date(r.revocation.date).getTime())
    return `but a time-stamp proves the signature existed at ${poe.toISOString()}, before the revocation`;
  if (r.code === 'EXPIRED' && poe >= cert.notBefore && poe <= cert.notAfter)
    return `but a time-stamp proves the signature existed at ${poe.toISOString()}, while the certificate was valid`;
  return undefined;
}

/** Codes that a validation at an earlier time, with material gathered then, can resolve. */
const TIME_BOUND = new Set(['EXPIRED', 'CRL_INVALID', 'CRL_MISSING', 'REVOKED']);

/**
 * Past certificate validation (ETSI EN 319 102-1 5.6.2.1): when the path fails at `at` for a reason bound to time
 * and a proof of existence precedes the embedded material's control time, the path is validated at that control
 * time instead; a revocation after the proof of existence is then resolved by {@link provenBeforeEvent}.
 */
async function pastIfProven(
  validate: (input: PathValidationInput) => Promise<ValidationReport>,
  input: (at: Date) => PathValidationInput,
  now: ValidationReport,
  opts: TrustOptions,
  poe: Date | undefined,
  v: Verdict,
): Promise<ValidationReport> {
  const control = opts.pastValidationTime;
  if (now.code === 'VALID' || !TIME_BOUND.has(now.code) || !poe || !control) return now;
  if (poe.getTime() > control.getTime() || control.getTime() >= opts.at.getTime()) return now;
  const past = await validate(input(control));
  if (past.code !== 'VALID' && past.code !== 'REVOKED') return now;
  v.note(
    `certificate path at validation time: ${now.code}; validated instead at ${control.toISOString()} with the ` +
      `embedded validation material, after the proof of existence at ${poe.toISOString()}`,
  );
  return past;
}
