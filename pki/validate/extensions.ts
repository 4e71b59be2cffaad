import { Oid } from '../oids';
import {
  Asn1Error,
  boolean,
  children,
  contentOf,
  isContext,
  isUniversal,
  namedBits,
  oid,
  sequence,
  smallInteger,
  type Block,
} from '../asn1/der';
import { parseGeneralName, parseGeneralNames, type GeneralName } from './general-name';
import { appendRdn, parseRdn, type Atv, type ParsedName } from './name';

/** ReasonFlags (RFC 5280 4.2.1.13): bits 1..8; bit 0 `unused`. */
export const ALL_REASONS = 0x1fe;

export interface BasicConstraints {
  ca: boolean;
  pathLen?: number;
}

/** DistributionPointName: a full name, or a name relative to the CRL issuer (resolved by the caller). */
export type DistributionPointName = { fullName: GeneralName[] } | { relative: Atv[] };

export interface DistributionPoint {
  name?: DistributionPointName;
  /** ReasonFlags bits; undefined = all reasons. */
  reasons?: number;
  crlIssuer?: GeneralName[];
}

export interface IssuingDistributionPoint {
  name?: DistributionPointName;
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  onlySomeReasons?: number;
  indirectCRL: boolean;
  onlyContainsAttributeCerts: boolean;
}

export interface GeneralSubtree {
  base: GeneralName;
}

export interface NameConstraints {
  permitted?: GeneralSubtree[];
  excluded?: GeneralSubtree[];
}

export interface PolicyConstraints {
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
}

/** RFC 5280 4.2.1.9 */
export function decodeBasicConstraints(block: Block): BasicConstraints {
  const items = sequence(block, 'basicConstraints');
  let i = 0;
  let ca = false;
  if (isUniversal(items[i], 1)) ca = boolean(items[i++], 'cA');
  let pathLen: number | undefined;
  if (items[i]) pathLen = smallInteger(items[i++], 'pathLenConstraint');
  if (items[i]) throw new Asn1Error('basicConstraints: unexpected element');
  return pathLen === undefined ? { ca } : { ca, pathLen };
}

/** RFC 5280 4.2.1.3: named bits, bit 0 = digitalSignature. */
export function decodeKeyUsage(block: Block): number {
  if (!isUniversal(block, 3)) throw new Asn1Error('keyUsage: expected BIT STRING');
  return namedBits(block, 'keyUsage');
}

/** Bits of an implicitly tagged BIT STRING ([1] reasons, [3] onlySomeReasons). */
function implicitBits(block: Block, what: string): number {
  const content = contentOf(block, what);
  if (content.length === 0) throw new Asn1Error(`${what}: empty BIT STRING`);
  let mask = 0;
  const bytes = content.subarray(1);
  for (let i = 0; i < bytes.length * 8 && i < 31; i++) if (bytes[i >> 3] & (0x80 >> (i & 7))) mask |= 1 << i;
  return mask;
}

function implicitBoolean(block: Block, what: string): boolean {
  const c = contentOf(block, what);
  if (c.length !== 1) throw new Asn1Error(`${what}: bad BOOLEAN`);
  return c[0] !== 0;
}

function implicitInteger(block: Block, what: string): number {
  const c = contentOf(block, what);
  if (c.length === 0 || c[0] & 0x80) throw new Asn1Error(`${what}: bad INTEGER`);
  let n = 0;
  for (const b of c) n = Math.min(n * 256 + b, Number.MAX_SAFE_INTEGER);
  return n;
}

function decodeDpName(block: Block): DistributionPointName {
  const [choice, extra] = children(block, 'DistributionPointName');
  if (!choice || extra) throw new Asn1Error('DistributionPointName: expected one choice');
  if (isContext(choice, 0)) return { fullName: parseGeneralNames(choice, 'fullName') };
  if (isContext(choice, 1)) return { relative: parseRdn(choice) };
  throw new Asn1Error('DistributionPointName: unknown choice');
}

/** Resolves a DistributionPointName to GeneralNames, given the CRL issuer for relative names. */
export function dpNames(name: DistributionPointName, crlIssuer: ParsedName | undefined): GeneralName[] {
  if ('fullName' in name) return name.fullName;
  return crlIssuer ? [{ kind: 'directory', value: appendRdn(crlIssuer, name.relative) }] : [];
}

/** RFC 5280 4.2.1.13 cRLDistributionPoints (also freshestCRL, 4.2.1.15). */
export function decodeDistributionPoints(block: Block): DistributionPoint[] {
  const points = sequence(block, 'cRLDistributionPoints');
  if (points.length === 0) throw new Asn1Error('cRLDistributionPoints: empty');
  return points.map((p) => {
    const dp: DistributionPoint = {};
    for (const item of sequence(p, 'DistributionPoint')) {
      if (isContext(item, 0)) dp.name = decodeDpName(item);
      else if (isContext(item, 1)) dp.reasons = implicitBits(item, 'reasons');
      else if (isContext(item, 2)) dp.crlIssuer = parseGeneralNames(item, 'cRLIssuer');
      else throw new Asn1Error('DistributionPoint: unexpected element');
    }
    if (!dp.name && !dp.crlIssuer) throw new Asn1Error('DistributionPoint: needs a name or cRLIssuer');
    return dp;
  });
}

/** RFC 5280 5.2.5 issuingDistributionPoint. */
export function decodeIssuingDistributionPoint(block: Block): IssuingDistributionPoint {
  const idp: IssuingDistributionPoint = {
    onlyContainsUserCerts: false,
    onlyContainsCACerts: false,
    indirectCRL: false,
    onlyContainsAttributeCerts: false,
  };
  for (const item of sequence(block, 'issuingDistributionPoint')) {
    if (isContext(item, 0)) idp.name = decodeDpName(item);
    else if (isContext(item, 1)) idp.onlyContainsUserCerts = implicitBoolean(item, 'onlyContainsUserCerts');
    else if (isContext(item, 2)) idp.onlyContainsCACerts = implicitBoolean(item, 'onlyContainsCACerts');
    else if (isContext(item, 3)) idp.onlySomeReasons = implicitBits(item, 'onlySomeReasons');
    else if (isContext(item, 4)) idp.indirectCRL = implicitBoolean(item, 'indirectCRL');
    else if (isContext(item, 5))
      idp.onlyContainsAttributeCerts = implicitBoolean(item, 'onlyContainsAttributeCerts');
    else throw new Asn1Error('issuingDistributionPoint: unexpected element');
  }
  return idp;
}

function decodeSubtrees(block: Block, what: string): GeneralSubtree[] {
  return children(block, what).map((st) => {
    const [base] = sequence(st, 'GeneralSubtree');
    if (!base) throw new Asn1Error('GeneralSubtree: missing base');
    return { base: parseGeneralName(base) };
  });
}

/** RFC 5280 4.2.1.10 */
export function decodeNameConstraints(block: Block): NameConstraints {
  const nc: NameConstraints = {};
  for (const item of sequence(block, 'nameConstraints')) {
    if (isContext(item, 0)) nc.permitted = decodeSubtrees(item, 'permittedSubtrees');
    else if (isContext(item, 1)) nc.excluded = decodeSubtrees(item, 'excludedSubtrees');
    else throw new Asn1Error('nameConstraints: unexpected element');
  }
  return nc;
}

/** RFC 5280 4.2.1.4: policy OIDs in order; a repeated OID is malformed. */
export function decodeCertificatePolicies(block: Block): string[] {
  const out = sequence(block, 'certificatePolicies').map((pi) =>
    oid(sequence(pi, 'PolicyInformation')[0], 'policy'),
  );
  if (out.length === 0) throw new Asn1Error('certificatePolicies: empty');
  if (new Set(out).size !== out.length) throw new Asn1Error('certificatePolicies: repeated policy');
  return out;
}

/** RFC 5280 4.2.1.5: [issuerDomainPolicy, subjectDomainPolicy] pairs. */
export function decodePolicyMappings(block: Block): Array<[string, string]> {
  return sequence(block, 'policyMappings').map((m) => {
    const [a, b] = sequence(m, 'PolicyMapping');
    return [oid(a, 'issuerDomainPolicy'), oid(b, 'subjectDomainPolicy')];
  });
}

/** RFC 5280 4.2.1.11 */
export function decodePolicyConstraints(block: Block): PolicyConstraints {
  const pc: PolicyConstraints = {};
  const items = sequence(block, 'policyConstraints');
  if (items.length === 0) throw new Asn1Error('policyConstraints: empty');
  for (const item of items) {
    if (isContext(item, 0)) pc.requireExplicitPolicy = implicitInteger(item, 'requireExplicitPolicy');
    else if (isContext(item, 1)) pc.inhibitPolicyMapping = implicitInteger(item, 'inhibitPolicyMapping');
    else throw new Asn1Error('policyConstraints: unexpected element');
  }
  return pc;
}

/** RFC 5280 4.2.1.14 */
export function decodeInhibitAnyPolicy(block: Block): number {
  return smallInteger(block, 'inhibitAnyPolicy');
}

/** RFC 5280 4.2.1.1: the keyIdentifier, if present. */
export function decodeAuthorityKeyId(block: Block): Uint8Array | undefined {
  const first = sequence(block, 'authorityKeyIdentifier')[0];
  return first && isContext(first, 0) ? contentOf(first, 'keyIdentifier') : undefined;
}

/** RFC 5280 4.2.1.2 */
export function decodeSubjectKeyId(block: Block): Uint8Array {
  if (!isUniversal(block, 4)) throw new Asn1Error('subjectKeyIdentifier: expected OCTET STRING');
  return contentOf(block, 'subjectKeyIdentifier');
}

/** RFC 5280 4.2.1.6 subjectAltName. */
export function decodeSubjectAltName(block: Block): GeneralName[] {
  const names = parseGeneralNames(block, 'subjectAltName');
  if (!isUniversal(block, 16)) throw new Asn1Error('subjectAltName: expected SEQUENCE');
  return names;
}

/** Extensions a certificate may mark critical and the validator still processes (RFC 5280 6.1.4 (o)). */
export const KNOWN_CERT_EXTENSIONS: ReadonlySet<string> = new Set([
  Oid.basicConstraints,
  Oid.keyUsage,
  Oid.extKeyUsage,
  Oid.certificatePolicies,
  Oid.policyMappings,
  Oid.policyConstraints,
  Oid.inhibitAnyPolicy,
  Oid.nameConstraints,
  Oid.subjectAltName,
  Oid.subjectKeyIdentifier,
  Oid.authorityKeyIdentifier,
  Oid.cRLDistributionPoints,
  Oid.freshestCRL,
]);
