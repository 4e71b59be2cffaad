import { createHash } from 'node:crypto';
import { Oid } from '../oids';
import {
  Asn1Error,
  bitString,
  boolean,
  bytesEqual,
  children,
  contentOf,
  encodingOf,
  hex,
  integerBytes,
  isContext,
  isUniversal,
  oid,
  parseDer,
  sequence,
  smallInteger,
  time,
  type Block,
} from '../asn1/der';
import {
  decodeAuthorityKeyId,
  decodeBasicConstraints,
  decodeCertificatePolicies,
  decodeDistributionPoints,
  decodeInhibitAnyPolicy,
  decodeKeyUsage,
  decodeNameConstraints,
  decodePolicyConstraints,
  decodePolicyMappings,
  decodeSubjectAltName,
  decodeSubjectKeyId,
  type BasicConstraints,
  type DistributionPoint,
  type NameConstraints,
  type PolicyConstraints,
} from './extensions';
import type { GeneralName } from './general-name';
import { parseName, type ParsedName } from './name';

/** AlgorithmIdentifier (RFC 5280 4.1.1.2): OID plus the DER of the parameters, if any. */
export interface AlgorithmId {
  oid: string;
  params?: Uint8Array;
  der: Uint8Array;
}

/**
 * One extension (RFC 5280 4.1.2.9). The extnValue is kept as bytes and decoded on first use, so an extension the
 * validator does not know (even one with an empty or undecodable value) never makes the certificate unparsable:
 * if it is critical, the unknown-critical-extension rule (6.1.4 (o), 6.1.5 (f)) rejects the path that uses it.
 */
export interface RawExtension {
  critical: boolean;
  /** Content octets of extnValue. */
  der: Uint8Array;
  /** extnValue decoded as DER. @throws Asn1Error when it is not one DER element. */
  readonly value: Block;
}

/** A certificate decoded for path validation (RFC 5280 4.1). Read-only after parsing. */
export interface ParsedCert {
  der: Uint8Array;
  /** SHA-256 of the DER, hex: identity in caches and loop detection. */
  fingerprint: string;
  tbs: Uint8Array;
  version: number;
  serial: Uint8Array;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
  issuer: ParsedName;
  subject: ParsedName;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
  spkiAlgorithm: AlgorithmId;
  extensions: Map<string, RawExtension>;
  basicConstraints?: BasicConstraints;
  keyUsage?: number;
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  policies?: string[];
  policyMappings?: Array<[string, string]>;
  policyConstraints?: PolicyConstraints;
  inhibitAnyPolicy?: number;
  nameConstraints?: NameConstraints;
  subjectAltNames?: GeneralName[];
  /** extKeyUsage KeyPurposeIds (RFC 5280 4.2.1.12), possibly empty (a profile violation, see profile.ts). */
  extKeyUsage?: string[];
  crlDistributionPoints?: DistributionPoint[];
  freshestCrl?: DistributionPoint[];
  /** Issuer and subject names are equal (RFC 5280 6.1 "self-issued"). */
  selfIssued: boolean;
  /** Whether the certificate is a CA (basicConstraints cA). */
  isCa: boolean;
}

export function parseAlgorithmId(block: Block, what: string): AlgorithmId {
  const [o, params, extra] = sequence(block, what);
  if (extra) throw new Asn1Error(`${what}: unexpected element`);
  return { oid: oid(o, what), params: params ? encodingOf(params) : undefined, der: encodingOf(block) };
}

/** Reads an extensions list (RFC 5280 4.1.2.9); a repeated extension is malformed. */
export function parseExtensions(block: Block, what: string): Map<string, RawExtension> {
  const map = new Map<string, RawExtension>();
  for (const ext of sequence(block, what)) {
    const items = sequence(ext, 'Extension');
    const id = oid(items[0], 'extnID');
    let i = 1;
    let critical = false;
    if (isUniversal(items[i], 1)) critical = boolean(items[i++], 'critical');
    if (!isUniversal(items[i], 4) || items[i + 1]) throw new Asn1Error('Extension: expected extnValue');
    if (map.has(id)) throw new Asn1Error(`extension ${id} appears twice`);
    const der = contentOf(items[i], 'extnValue');
    let decoded: Block | undefined;
    map.set(id, {
      critical,
      der,
      get value(): Block {
        decoded ??= parseDer(der, `extension ${id}`);
        return decoded;
      },
    });
  }
  return map;
}

/**
 * Decodes a DER certificate (RFC 5280 4.1) and its standard extensions.
 *
 * @throws Asn1Error (code `MALFORMED`) on any structural problem.
 */
export function parseCertificate(der: Uint8Array): ParsedCert {
  const [tbsBlock, sigAlgBlock, sigBlock, extra] = sequence(parseDer(der, 'Certificate'), 'Certificate');
  if (!sigBlock || extra)
    throw new Asn1Error('Certificate: expected tbsCertificate, algorithm and signature');
  const tbs = sequence(tbsBlock, 'TBSCertificate');
  let i = 0;
  let version = 0;
  if (isContext(tbs[0], 0)) {
    version = smallInteger(children(tbs[i++], 'version')[0], 'version');
    if (version > 2) throw new Asn1Error('Certificate: unknown version');
  }
  const serial = integerBytes(tbs[i++], 'serialNumber');
  const innerSigAlg = parseAlgorithmId(tbs[i++], 'signature');
  const issuer = parseName(tbs[i++]);
  const [nb, na, vExtra] = sequence(tbs[i++], 'validity');
  if (vExtra) throw new Asn1Error('validity: unexpected element');
  const notBefore = time(nb, 'notBefore');
  const notAfter = time(na, 'notAfter');
  const subject = parseName(tbs[i++]);
  const spkiBlock = tbs[i++];
  const [spkiAlgBlock, spkiKey] = sequence(spkiBlock, 'subjectPublicKeyInfo');
  if (!isUniversal(spkiKey, 3)) throw new Asn1Error('subjectPublicKey: expected BIT STRING');
  const spkiAlgorithm = parseAlgorithmId(spkiAlgBlock, 'subjectPublicKeyInfo.algorithm');
  while (isContext(tbs[i], 1) || isContext(tbs[i], 2)) i++;
  let extensions = new Map<string, RawExtension>();
  if (isContext(tbs[i], 3)) {
    if (version !== 2) throw new Asn1Error('Certificate: extensions in a version 1/2 certificate');
    extensions = parseExtensions(children(tbs[i++], 'extensions')[0], 'extensions');
  }
  if (tbs[i]) throw new Asn1Error('TBSCertificate: unexpected element');
  const signatureAlgorithm = parseAlgorithmId(sigAlgBlock, 'signatureAlgorithm');
  if (!bytesEqual(signatureAlgorithm.der, innerSigAlg.der)) {
    throw new Asn1Error(
      'Certificate: signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 4.1.1.2)',
    );
  }
  const sig = bitString(sigBlock, 'signatureValue');
  if (!isUniversal(sigBlock, 3)) throw new Asn1Error('signatureValue: expected BIT STRING');

  const cert: ParsedCert = {
    der,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    tbs: encodingOf(tbsBlock),
    version,
    serial,
    signatureAlgorithm,
    // A signature BIT STRING with unused bits cannot verify (PKITS 4.1.2): keep it empty so verification fails.
    signature: sig.unusedBits === 0 ? sig.bytes : new Uint8Array(0),
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: encodingOf(spkiBlock),
    spkiAlgorithm,
    extensions,
    selfIssued: issuer.key === subject.key,
    isCa: false,
  };
  const get = (id: string) => extensions.get(id)?.value;
  const bc = get(Oid.basicConstraints);
  if (bc) cert.basicConstraints = decodeBasicConstraints(bc);
  const ku = get(Oid.keyUsage);
  if (ku) cert.keyUsage = decodeKeyUsage(ku);
  const ski = get(Oid.subjectKeyIdentifier);
  if (ski) cert.subjectKeyId = decodeSubjectKeyId(ski);
  const aki = get(Oid.authorityKeyIdentifier);
  if (aki) cert.authorityKeyId = decodeAuthorityKeyId(aki);
  const cp = get(Oid.certificatePolicies);
  if (cp) cert.policies = decodeCertificatePolicies(cp);
  const pm = get(Oid.policyMappings);
  if (pm) cert.policyMappings = decodePolicyMappings(pm);
  const pc = get(Oid.policyConstraints);
  if (pc) cert.policyConstraints = decodePolicyConstraints(pc);
  const iap = get(Oid.inhibitAnyPolicy);
  if (iap) cert.inhibitAnyPolicy = decodeInhibitAnyPolicy(iap);
  const nc = get(Oid.nameConstraints);
  if (nc) cert.nameConstraints = decodeNameConstraints(nc);
  const san = get(Oid.subjectAltName);
  if (san) cert.subjectAltNames = decodeSubjectAltName(san);
  const eku = get(Oid.extKeyUsage);
  if (eku) cert.extKeyUsage = sequence(eku, 'extKeyUsage').map((p) => oid(p, 'KeyPurposeId'));
  const dp = get(Oid.cRLDistributionPoints);
  if (dp) cert.crlDistributionPoints = decodeDistributionPoints(dp);
  const fresh = get(Oid.freshestCRL);
  if (fresh) cert.freshestCrl = decodeDistributionPoints(fresh);
  cert.isCa = cert.basicConstraints?.ca === true;
  return cert;
}

/** Lower-case hex of a certificate serial (INTEGER content octets). */
export function serialHexOf(cert: ParsedCert): string {
  return hex(cert.serial);
}
