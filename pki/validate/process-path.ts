import { Oid } from '../oids';
import type { ParsedCert } from './certificate';
import {
  fail,
  keyOf,
  KU,
  OK,
  verifySigned,
  type Context,
  type KeyRef,
  type Outcome,
  type Settings,
} from './context';
import { KNOWN_CERT_EXTENSIONS } from './extensions';
import { formatName } from './name';
import {
  addNameConstraints,
  checkNameConstraints,
  initialNameConstraints,
  nameConstraintsSyntax,
  type NameConstraintState,
} from './name-constraints';
import {
  applyPolicyMappings,
  initialPolicyTree,
  intersectWithUserPolicies,
  processCertificatePolicies,
  type PolicyTree,
} from './policy-tree';
import { certificateFindings, PROFILE_RULES, type PathRole } from './profile';
import { checkRevocation } from './revocation';

/** The first unrecognised critical extension of a certificate (6.1.4 (o), 6.1.5 (f)), or undefined. */
export function unknownCritical(cert: ParsedCert): string | undefined {
  for (const [id, e] of cert.extensions) if (e.critical && !KNOWN_CERT_EXTENSIONS.has(id)) return id;
  return undefined;
}

const MAX_NAME_IN_MESSAGE = 160;

function who(cert: ParsedCert): string {
  const name = formatName(cert.subject) || '(empty subject)';
  return name.length > MAX_NAME_IN_MESSAGE ? `${name.slice(0, MAX_NAME_IN_MESSAGE)}...` : name;
}

/**
 * Applies the certificate profile rules (profile.ts): a rule set to 'reject' fails, one set to 'warn' adds to
 * `warnings`.
 */
export function applyProfile(cert: ParsedCert, role: PathRole, warnings: string[]): Outcome {
  for (const f of certificateFindings(cert, role)) {
    const rule = PROFILE_RULES[f.rule];
    const message = `${who(cert)}: ${f.message} (RFC 5280 ${rule.section})`;
    if (rule.action === 'reject') return fail(rule.code, message);
    warnings.push(message);
  }
  return OK;
}

/** 6.1.3 (a)(2) at second precision: `at` is already truncated to the second by the caller. */
export function checkValidity(cert: ParsedCert, at: Date, label?: () => string): Outcome {
  const name = () => (label ? label() : who(cert));
  if (at < cert.notBefore) {
    return fail('NOT_YET_VALID', `${name()} is not valid before ${cert.notBefore.toISOString()}`);
  }
  if (at > cert.notAfter) return fail('EXPIRED', `${name()} expired at ${cert.notAfter.toISOString()}`);
  return OK;
}

/**
 * Trust anchor constraints (RFC 5937 section 2, as browsers apply them): the anchor certificate must be within its
 * validity period, be a CA (basicConstraints cA) whose keyUsage, if present, asserts keyCertSign, carry no
 * unrecognised critical extension and meet the profile rules. Its pathLenConstraint and nameConstraints then
 * initialise max_path_length and the name constraint state (returned).
 */
function anchorConstraints(
  anchor: ParsedCert,
  n: number,
  ctx: Context,
  warnings: string[],
): Outcome | { maxPathLength: number; nameState: NameConstraintState } {
  const label = () => `trust anchor ${who(anchor)}`;
  const validity = checkValidity(anchor, ctx.at, label);
  if (!validity.ok) return validity;
  if (!anchor.basicConstraints?.ca) return fail('BASIC_CONSTRAINTS', `${label()} is not a CA certificate`);
  if (anchor.keyUsage !== undefined && !(anchor.keyUsage & KU.keyCertSign)) {
    return fail('KEY_USAGE', `${label()} does not assert keyCertSign`);
  }
  const unknown = unknownCritical(anchor);
  if (unknown) {
    return fail('UNKNOWN_CRITICAL_EXTENSION', `${label()} has unrecognised critical extension ${unknown}`);
  }
  const profile = applyProfile(anchor, 'anchor', warnings);
  if (!profile.ok) return profile;
  let nameState = initialNameConstraints();
  if (anchor.nameConstraints) {
    const problem = nameConstraintsSyntax(anchor.nameConstraints);
    if (problem) return fail('NAME_CONSTRAINTS', `${label()}: ${problem}`);
    nameState = addNameConstraints(nameState, anchor.nameConstraints);
  }
  const pathLen = anchor.basicConstraints.pathLen;
  return { maxPathLength: pathLen !== undefined ? Math.min(n, pathLen) : n, nameState };
}

/**
 * RFC 5280 6.1.2-6.1.5 over one candidate path, then 6.3 revocation for every certificate in it.
 * `certs[0]` is issued by `anchor`; the last certificate is the target.
 */
export function processPath(
  anchor: ParsedCert,
  certs: ParsedCert[],
  settings: Settings,
  ctx: Context,
  warnings: string[] = [],
): Outcome {
  try {
    return run(anchor, certs, settings, ctx, warnings);
  } catch (err) {
    if (err instanceof Error && err.message === 'POLICY_TREE_TOO_LARGE') {
      return fail('POLICY', 'the policy tree exceeds the processing limit');
    }
    throw err;
  }
}

function run(
  anchor: ParsedCert,
  certs: ParsedCert[],
  settings: Settings,
  ctx: Context,
  warnings: string[],
): Outcome {
  const n = certs.length;
  let tree: PolicyTree | undefined = initialPolicyTree();
  let nameState = initialNameConstraints();
  let explicitPolicy = settings.explicitPolicy ? 0 : n + 1;
  let inhibitAny = settings.inhibitAny ? 0 : n + 1;
  let policyMapping = settings.inhibitMapping ? 0 : n + 1;
  let maxPathLength = n;
  if (ctx.enforced.has(anchor.fingerprint)) {
    const a = anchorConstraints(anchor, n, ctx, warnings);
    if ('ok' in a) return a;
    ({ maxPathLength, nameState } = a);
  }
  let workingKey: KeyRef | undefined = keyOf(anchor);
  let workingIssuer = anchor.subject;
  const issuers: Array<{ cert: ParsedCert; key: KeyRef }> = [];
  let issuerCert = anchor;

  for (let i = 1; i <= n; i++) {
    const cert = certs[i - 1];
    const last = i === n;
    // 6.1.3 (a)(1)
    if (!workingKey)
      return fail('BAD_SIGNATURE', `cannot use the public key of ${formatName(workingIssuer)}`);
    if (!verifySigned(cert, workingKey))
      return fail('BAD_SIGNATURE', `signature of ${who(cert)} does not verify`);
    issuers.push({ cert: issuerCert, key: workingKey });
    // 6.1.3 (a)(2)
    const validity = checkValidity(cert, ctx.at);
    if (!validity.ok) return validity;
    // 6.1.3 (a)(4)
    if (cert.issuer.key !== workingIssuer.key) {
      return fail('NAME_CHAINING', `issuer of ${who(cert)} does not match ${formatName(workingIssuer)}`);
    }
    // 6.1.3 (b)-(c)
    if (!(cert.selfIssued && !last)) {
      const violation = checkNameConstraints(cert, nameState, ctx.nameConstraintBudget);
      if (violation) return fail('NAME_CONSTRAINTS', `${who(cert)}: ${violation}`);
    }
    // 6.1.3 (d)-(e)
    tree = processCertificatePolicies(tree, i, cert.policies, inhibitAny > 0 || (!last && cert.selfIssued));
    // 6.1.3 (f)
    if (explicitPolicy <= 0 && !tree) return fail('POLICY', `no acceptable policy at ${who(cert)}`);

    if (!last) {
      // 6.1.4 (a)-(b)
      if (cert.policyMappings) {
        if (cert.policyMappings.some(([a, b]) => a === Oid.anyPolicy || b === Oid.anyPolicy)) {
          return fail('POLICY', `${who(cert)} maps anyPolicy`);
        }
        tree = applyPolicyMappings(tree, i, cert.policyMappings, policyMapping > 0);
      }
      // 6.1.4 (c)-(f)
      workingIssuer = cert.subject;
      workingKey = keyOf(cert, workingKey);
      issuerCert = cert;
      // 6.1.4 (g)
      if (cert.nameConstraints) {
        const problem = nameConstraintsSyntax(cert.nameConstraints);
        if (problem) return fail('NAME_CONSTRAINTS', `${who(cert)}: ${problem}`);
        nameState = addNameConstraints(nameState, cert.nameConstraints);
      }
      // 6.1.4 (h)-(j)
      if (!cert.selfIssued) {
        if (explicitPolicy > 0) explicitPolicy--;
        if (policyMapping > 0) policyMapping--;
        if (inhibitAny > 0) inhibitAny--;
      }
      const pc = cert.policyConstraints;
      if (pc?.requireExplicitPolicy !== undefined)
        explicitPolicy = Math.min(explicitPolicy, pc.requireExplicitPolicy);
      if (pc?.inhibitPolicyMapping !== undefined)
        policyMapping = Math.min(policyMapping, pc.inhibitPolicyMapping);
      if (cert.inhibitAnyPolicy !== undefined) inhibitAny = Math.min(inhibitAny, cert.inhibitAnyPolicy);
      // 6.1.4 (k)
      if (!cert.basicConstraints?.ca)
        return fail('BASIC_CONSTRAINTS', `${who(cert)} is not a CA certificate`);
      // 6.1.4 (l)-(m)
      if (!cert.selfIssued) {
        if (maxPathLength <= 0)
          return fail('BASIC_CONSTRAINTS', `path length constraint exceeded at ${who(cert)}`);
        maxPathLength--;
      }
      const pathLen = cert.basicConstraints.pathLen;
      if (pathLen !== undefined && pathLen < maxPathLength) maxPathLength = pathLen;
      // 6.1.4 (n)
      if (cert.keyUsage !== undefined && !(cert.keyUsage & KU.keyCertSign)) {
        return fail('KEY_USAGE', `${who(cert)} does not assert keyCertSign`);
      }
    } else {
      // 6.1.5 (a)-(b)
      if (explicitPolicy > 0) explicitPolicy--;
      if (cert.policyConstraints?.requireExplicitPolicy === 0) explicitPolicy = 0;
      // 6.1.5 (g)
      tree = intersectWithUserPolicies(tree, n, settings.userPolicies);
      if (explicitPolicy <= 0 && !tree)
        return fail('POLICY', 'no acceptable certificate policy for the path');
      if (settings.requiredKeyUsage && cert.keyUsage !== undefined) {
        if ((cert.keyUsage & settings.requiredKeyUsage) !== settings.requiredKeyUsage) {
          return fail('KEY_USAGE', `${who(cert)} does not assert the required key usage`);
        }
      }
    }
    // 6.1.4 (o), 6.1.5 (f)
    const unknown = unknownCritical(cert);
    if (unknown)
      return fail(
        'UNKNOWN_CRITICAL_EXTENSION',
        `${who(cert)} has unrecognised critical extension ${unknown}`,
      );
    const profile = applyProfile(cert, last ? 'target' : 'intermediate', warnings);
    if (!profile.ok) return profile;
  }

  if (settings.revocation === 'require') {
    for (let i = 0; i < n; i++) {
      const status = checkRevocation(certs[i], { ...issuers[i], anchor }, ctx);
      if (!status.ok) return status;
    }
  }
  return OK;
}
