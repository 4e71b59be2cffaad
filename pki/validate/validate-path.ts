import type { PathValidationInput, ValidationReport } from '../types';
import { Oid } from '../oids';
import { KeyUsageBits } from '../ca/extensions';
import { cachedCertificate, cachedCrl } from './cache';
import type { ParsedCert } from './certificate';
import type { Context, Outcome, Settings } from './context';
import type { ParsedCrl } from './crl';
import { formatName } from './name';
import { buildPaths, isSelfSigned } from './path-builder';
import { processPath } from './process-path';

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

/**
 * Builds and validates a certification path from `input.cert` to one of `input.anchors` at `input.at`, following
 * RFC 5280 Section 6.1 (basic path validation: signatures, validity, name chaining, name constraints, certificate
 * policies with the full valid_policy_tree, basicConstraints and keyUsage) and Section 6.3 (CRL processing: scope
 * and distribution points, reason partitioning, indirect and delta CRLs, separate CRL-signing keys).
 *
 * Trust anchors are certificates whose name and public key are used as in 6.1.1 (d); their own constraints are not
 * applied. The library never reads the clock: `input.at` is the validation time.
 *
 * An invalid path is a result, never an exception: the report carries a stable `code` ({@link ValidationCodes}).
 * Unparsable certificates or CRLs give `MALFORMED`.
 *
 * @throws TypeError only for programming errors (e.g. `at` is not a valid Date).
 */
export function validatePathSync(input: PathValidationInput): ValidationReport {
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) {
    throw new TypeError('validatePath: `at` must be a valid Date');
  }
  let target: ParsedCert;
  let anchors: ParsedCert[];
  let pool: ParsedCert[];
  let crls: ParsedCrl[];
  try {
    target = cachedCertificate(input.cert);
  } catch (err) {
    return malformed(`certificate: ${(err as Error).message}`);
  }
  try {
    anchors = input.anchors.map(cachedCertificate);
    pool = (input.intermediates ?? []).map(cachedCertificate);
  } catch (err) {
    return malformed(`anchor or intermediate certificate: ${(err as Error).message}`);
  }
  try {
    crls = (input.crls ?? []).map(cachedCrl);
  } catch (err) {
    return malformed(`CRL: ${(err as Error).message}`);
  }
  if (anchors.length === 0) {
    return {
      valid: false,
      code: 'UNTRUSTED_ROOT',
      message: 'no trust anchors supplied',
      path: pathNames(undefined, [target]),
    };
  }
  const settings = settingsOf(input);
  const ctx: Context = {
    at: input.at,
    anchors,
    pool,
    crls,
    stack: new Set(),
    depth: 0,
    validateSigner: () => false,
  };
  ctx.validateSigner = signerValidator(ctx);

  if (anchors.some((a) => a.fingerprint === target.fingerprint)) {
    return {
      valid: true,
      code: 'VALID',
      message: 'the certificate is a trust anchor',
      path: pathNames(undefined, [target]),
    };
  }

  const { paths, deepest } = buildPaths(target, ctx);
  if (paths.length === 0) return noPath(deepest, ctx);

  let first: { outcome: Outcome; names: string[] } | undefined;
  for (const p of paths) {
    const outcome = processPath(p.anchor, p.certs, settings, ctx);
    const names = pathNames(p.anchor, p.certs);
    if (outcome.ok) {
      const note =
        settings.revocation === 'none'
          ? ' (revocation not checked)'
          : ' (revocation checked against the CRLs supplied)';
      return { valid: true, code: 'VALID', message: `certification path is valid${note}`, path: names };
    }
    first ??= { outcome, names };
  }
  const f = first!.outcome as Extract<Outcome, { ok: false }>;
  const report: ValidationReport = { valid: false, code: f.code, message: f.message, path: first!.names };
  if (f.revocation)
    report.revocation = { date: f.revocation.date.toISOString(), reason: f.revocation.reason };
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
