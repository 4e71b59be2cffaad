import { KeyUsageBits, type PathValidationInput, type ValidationReport } from '../types';
import { Oid } from '../oids';
import { cachedCertificate, cachedCrl } from './cache';
import type { ParsedCert } from './certificate';
import { fail, type Context, type Outcome, type Settings } from './context';
import type { ParsedCrl } from './crl';
import { formatName } from './name';
import { nameConstraintBudget } from './name-constraints';
import { buildPaths, isSelfSigned } from './path-builder';
import { applyProfile, checkValidity, processPath, unknownCritical } from './process-path';

const MAX_SIGNER_DEPTH = 4;

function malformed(message: string): ValidationReport {
  return { valid: false, code: 'MALFORMED', message, path: [] };
}

function settingsOf(input: PathValidationInput): Settings {
  let requiredKeyUsage = 0;
  for (const u of input.requiredKeyUsage ?? []) requiredKeyUsage |= 1 << KeyUsageBits[u];
  return {
    userPolicies: input.policies && input.policies.length ? [...input.policies] : [Oid.anyPolicy],
    explicitPolicy: input.initialExplicitPolicy === true,
    inhibitMapping: input.initialPolicyMappingInhibit === true,
    inhibitAny: input.initialAnyPolicyInhibit === true,
    requiredKeyUsage,
    revocation: input.revocation ?? 'require',
  };
}

function pathNames(anchor: ParsedCert | undefined, certs: ParsedCert[]): string[] {
  return [...(anchor ? [anchor] : []), ...certs].map((c) => formatName(c.subject));
}

/** 6.3.3 (f): a CRL signer's own path must validate to the same anchor, with default policy inputs. */
function signerValidator(ctx: Context): Context['validateSigner'] {
  return (signer, anchor) => {
    if (ctx.depth >= MAX_SIGNER_DEPTH) return false;
    const nested: Context = {
      ...ctx,
      depth: ctx.depth + 1,
      stack: new Set([...ctx.stack, signer.fingerprint]),
    };
    nested.validateSigner = signerValidator(nested);
    const settings: Settings = {
      userPolicies: [Oid.anyPolicy],
      explicitPolicy: false,
      inhibitMapping: false,
      inhibitAny: false,
      requiredKeyUsage: 0,
      revocation: 'require',
    };
    return buildPaths(signer, nested, anchor).paths.some(
      (p) => processPath(p.anchor, p.certs, settings, nested).ok,
    );
  };
}

/** Parses each candidate on its own: an unparsable one is left out and described in `skipped`. */
function parseCandidates<T>(
  items: T[],
  der: (item: T) => Uint8Array,
  role: string,
  skipped: string[],
): Array<{ item: T; cert: ParsedCert }> {
  const out: Array<{ item: T; cert: ParsedCert }> = [];
  items.forEach((item, i) => {
    try {
      out.push({ item, cert: cachedCertificate(der(item)) });
    } catch (err) {
      skipped.push(`${role} #${i + 1}: ${(err as Error).message}`);
    }
  });
  return out;
}

/** RFC 5280 stores validity to the second (4.1.2.5): compare the validation time at that precision. */
function toSecond(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}

/**
 * Builds and validates a certification path from `input.cert` to one of `input.anchors` at `input.at`, following
 * RFC 5280 Section 6.1 (basic path validation: signatures, validity, name chaining, name constraints, certificate
 * policies with the full valid_policy_tree, basicConstraints and keyUsage) and Section 6.3 (CRL processing: scope
 * and distribution points, reason partitioning, indirect and delta CRLs, separate CRL-signing keys).
 *
 * Trust anchors are certificates. Unless an anchor is given as `{ certificate, constraints: 'ignore' }`, its own
 * validity, basicConstraints (cA, pathLenConstraint), keyUsage, nameConstraints, critical extensions and the profile
 * rules apply as well (RFC 5937); the report says which (`anchorConstraints`). Certificate profile rules of RFC 5280
 * section 4 reject or warn as `profile.ts` decides (`warnings`). Validity is compared at second precision. The
 * library never reads the clock: `input.at` is the validation time.
 *
 * An anchor or intermediate that cannot be parsed is left out of path building and listed in `skipped`; it makes
 * the result `MALFORMED` only when no valid path is found without it.
 *
 * An invalid path is a result, never an exception: the report carries a stable `code` ({@link ValidationCodes}).
 * An unparsable target certificate or CRL gives `MALFORMED`.
 *
 * @throws TypeError only for programming errors (e.g. `at` is not a valid Date).
 */
export function validatePathSync(input: PathValidationInput): ValidationReport {
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) {
    throw new TypeError('validatePath: `at` must be a valid Date');
  }
  let target: ParsedCert;
  let crls: ParsedCrl[];
  try {
    target = cachedCertificate(input.cert);
  } catch (err) {
    return malformed(`certificate: ${(err as Error).message}`);
  }
  try {
    crls = (input.crls ?? []).map(cachedCrl);
  } catch (err) {
    return malformed(`CRL: ${(err as Error).message}`);
  }
  const skipped: string[] = [];
  const parsedAnchors = parseCandidates(
    input.anchors,
    (a) => (a instanceof Uint8Array ? a : a.certificate),
    'trust anchor',
    skipped,
  );
  const anchors = parsedAnchors.map((a) => a.cert);
  const enforced = new Set(
    parsedAnchors
      .filter((a) => a.item instanceof Uint8Array || a.item.constraints !== 'ignore')
      .map((a) => a.cert.fingerprint),
  );
  const pool = parseCandidates(input.intermediates ?? [], (c) => c, 'intermediate', skipped).map(
    (c) => c.cert,
  );
  const withSkipped = (report: ValidationReport): ValidationReport => {
    if (skipped.length === 0) return report;
    if (report.valid) return { ...report, skipped };
    return {
      ...report,
      code: 'MALFORMED',
      message: `${report.message}; unparsable candidates were left out: ${skipped.join('; ')}`,
      skipped,
    };
  };
  if (anchors.length === 0) {
    return withSkipped({
      valid: false,
      code: 'UNTRUSTED_ROOT',
      message: 'no trust anchors supplied',
      path: pathNames(undefined, [target]),
    });
  }
  const settings = settingsOf(input);
  const ctx: Context = {
    at: toSecond(input.at),
    anchors,
    enforced,
    pool,
    crls,
    stack: new Set(),
    depth: 0,
    nameConstraintBudget: nameConstraintBudget(),
    validateSigner: () => false,
  };
  ctx.validateSigner = signerValidator(ctx);

  if (anchors.some((a) => a.fingerprint === target.fingerprint)) {
    return withSkipped(trustedTarget(target, ctx));
  }

  const { paths, deepest } = buildPaths(target, ctx);
  if (paths.length === 0) return withSkipped(noPath(deepest, ctx));

  let first: { outcome: Outcome; names: string[]; anchor: ParsedCert } | undefined;
  for (const p of paths) {
    const warnings: string[] = [];
    const outcome = processPath(p.anchor, p.certs, settings, ctx, warnings);
    const names = pathNames(p.anchor, p.certs);
    const anchorConstraints = enforced.has(p.anchor.fingerprint) ? 'enforced' : 'ignored';
    if (outcome.ok) {
      const note =
        settings.revocation === 'none'
          ? ' (revocation not checked)'
          : ' (revocation checked against the CRLs supplied)';
      const report: ValidationReport = {
        valid: true,
        code: 'VALID',
        message: `certification path is valid${note}; trust anchor constraints ${anchorConstraints}`,
        path: names,
        anchorConstraints,
      };
      if (warnings.length) report.warnings = warnings;
      return withSkipped(report);
    }
    first ??= { outcome, names, anchor: p.anchor };
  }
  const f = first!.outcome as Extract<Outcome, { ok: false }>;
  const report: ValidationReport = {
    valid: false,
    code: f.code,
    message: f.message,
    path: first!.names,
    anchorConstraints: enforced.has(first!.anchor.fingerprint) ? 'enforced' : 'ignored',
  };
  if (f.revocation)
    report.revocation = { date: f.revocation.date.toISOString(), reason: f.revocation.reason };
  return withSkipped(report);
}

/**
 * The target is itself a trust anchor: with its constraints enforced, its validity, critical extensions and
 * profile rules still apply (a trusted certificate that is expired or malformed is not accepted).
 */
function trustedTarget(target: ParsedCert, ctx: Context): ValidationReport {
  const path = pathNames(undefined, [target]);
  if (!ctx.enforced.has(target.fingerprint)) {
    return {
      valid: true,
      code: 'VALID',
      message: 'the certificate is a trust anchor; trust anchor constraints ignored',
      path,
      anchorConstraints: 'ignored',
    };
  }
  const warnings: string[] = [];
  const unknown = unknownCritical(target);
  const outcome: Outcome = unknown
    ? fail('UNKNOWN_CRITICAL_EXTENSION', `the trust anchor has unrecognised critical extension ${unknown}`)
    : checkValidity(target, ctx.at, () => 'the trust anchor');
  const checked = outcome.ok ? applyProfile(target, 'target', warnings) : outcome;
  if (!checked.ok) {
    return {
      valid: false,
      code: checked.code,
      message: checked.message,
      path,
      anchorConstraints: 'enforced',
    };
  }
  const report: ValidationReport = {
    valid: true,
    code: 'VALID',
    message: 'the certificate is a trust anchor; trust anchor constraints enforced',
    path,
    anchorConstraints: 'enforced',
  };
  if (warnings.length) report.warnings = warnings;
  return report;
}

function noPath(deepest: ParsedCert[], ctx: Context): ValidationReport {
  const top = deepest[deepest.length - 1];
  const path = deepest
    .slice()
    .reverse()
    .map((c) => formatName(c.subject));
  if (isSelfSigned(top)) {
    return {
      valid: false,
      code: 'UNTRUSTED_ROOT',
      message: `${formatName(top.subject)} is self-signed and not a trust anchor`,
      path,
    };
  }
  const byKeyId = [...ctx.anchors, ...ctx.pool].find(
    (c) =>
      top.authorityKeyId &&
      c.subjectKeyId &&
      Buffer.compare(c.subjectKeyId, top.authorityKeyId) === 0 &&
      c.subject.key !== top.issuer.key,
  );
  if (byKeyId) {
    return {
      valid: false,
      code: 'NAME_CHAINING',
      message: `issuer name of ${formatName(top.subject)} does not match the subject of ${formatName(byKeyId.subject)}`,
      path,
    };
  }
  return {
    valid: false,
    code: 'PATH_NOT_FOUND',
    message: `no trust anchor or intermediate matches the issuer ${formatName(top.issuer)} of ${formatName(top.subject)}`,
    path,
  };
}
