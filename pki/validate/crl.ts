import { createHash } from 'node:crypto';
import { Oid } from '../oids';
import {
  Asn1Error,
  bigInteger,
  bitString,
  bytesEqual,
  children,
  contentOf,
  encodingOf,
  hex,
  integerBytes,
  isContext,
  isUniversal,
  parseDer,
  sequence,
  smallInteger,
  time,
} from '../asn1/der';
import { parseAlgorithmId, parseExtensions, type AlgorithmId } from './certificate';
import {
  decodeAuthorityKeyId,
  decodeIssuingDistributionPoint,
  type IssuingDistributionPoint,
} from './extensions';
import { parseGeneralNames } from './general-name';
import { parseName, type ParsedName } from './name';

/** One revoked certificate entry (RFC 5280 5.1.2.6, 5.3). */
export interface CrlEntry {
  date: Date;
  /** CRLReason (5.3.1); undefined when absent. */
  reason?: number;
}

/** A CRL decoded for revocation checking (RFC 5280 5). */
export interface ParsedCrl {
  der: Uint8Array;
  fingerprint: string;
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
  issuer: ParsedName;
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: bigint;
  /** Whether the cRLNumber extension is marked critical (5.2.3 requires non-critical). */
  crlNumberCritical: boolean;
  /** deltaCRLIndicator BaseCRLNumber (5.2.4): present only on delta CRLs. */
  baseCrlNumber?: bigint;
  idp?: IssuingDistributionPoint;
  /** DER of the IDP extension value, for scope comparison of complete and delta CRLs. */
  idpDer?: Uint8Array;
  authorityKeyId?: Uint8Array;
  /** Entries keyed by `${certificate issuer name key}|${serial hex}` (indirect CRLs, 5.3.3). */
  entries: Map<string, CrlEntry>;
  /** An unrecognised critical CRL or entry extension: the CRL must not be used (5.2, 5.3). */
  unknownCritical: boolean;
}

const KNOWN_CRL_EXTENSIONS = new Set<string>([
  Oid.authorityKeyIdentifier,
  Oid.cRLNumber,
  Oid.deltaCRLIndicator,
  Oid.issuingDistributionPoint,
  Oid.freshestCRL,
  Oid.issuerAltName,
  Oid.authorityInfoAccess,
]);
const KNOWN_ENTRY_EXTENSIONS = new Set<string>([
  Oid.reasonCode,
  Oid.invalidityDate,
  Oid.certificateIssuer,
  Oid.holdInstructionCode,
]);

/**
 * Decodes a DER CRL (RFC 5280 5.1) with its extensions and entries.
 *
 * @throws Asn1Error (code `MALFORMED`) on any structural problem.
 */
export function parseCrl(der: Uint8Array): ParsedCrl {
  const [tbsBlock, sigAlgBlock, sigBlock, extra] = sequence(
    parseDer(der, 'CertificateList'),
    'CertificateList',
  );
  if (!sigBlock || extra)
    throw new Asn1Error('CertificateList: expected tbsCertList, algorithm and signature');
  const tbs = sequence(tbsBlock, 'TBSCertList');
  let i = 0;
  if (isUniversal(tbs[0], 2)) {
    if (smallInteger(tbs[i++], 'version') !== 1) throw new Asn1Error('CRL: unknown version');
  }
  const innerSigAlg = parseAlgorithmId(tbs[i++], 'signature');
  const issuer = parseName(tbs[i++]);
  const thisUpdate = time(tbs[i++], 'thisUpdate');
  let nextUpdate: Date | undefined;
  if (isUniversal(tbs[i], 23) || isUniversal(tbs[i], 24)) nextUpdate = time(tbs[i++], 'nextUpdate');
  const entryBlocks = isUniversal(tbs[i], 16) ? sequence(tbs[i++], 'revokedCertificates') : [];
  let crlExt = new Map<string, ReturnType<typeof parseExtensions> extends Map<string, infer V> ? V : never>();
  if (isContext(tbs[i], 0)) crlExt = parseExtensions(children(tbs[i++], 'crlExtensions')[0], 'crlExtensions');
  if (tbs[i]) throw new Asn1Error('TBSCertList: unexpected element');
  const signatureAlgorithm = parseAlgorithmId(sigAlgBlock, 'signatureAlgorithm');
  if (!bytesEqual(signatureAlgorithm.der, innerSigAlg.der)) {
    throw new Asn1Error('CRL: signatureAlgorithm differs from tbsCertList.signature');
  }
  const sig = bitString(sigBlock, 'signatureValue');
  if (!isUniversal(sigBlock, 3)) throw new Asn1Error('CRL signatureValue: expected BIT STRING');

  let unknownCritical = false;
  for (const [id, e] of crlExt) if (e.critical && !KNOWN_CRL_EXTENSIONS.has(id)) unknownCritical = true;
  const idpExt = crlExt.get(Oid.issuingDistributionPoint);
  const idp = idpExt ? decodeIssuingDistributionPoint(idpExt.value) : undefined;
  const numberExt = crlExt.get(Oid.cRLNumber);
  const deltaExt = crlExt.get(Oid.deltaCRLIndicator);
  const akiExt = crlExt.get(Oid.authorityKeyIdentifier);

  const entries = new Map<string, CrlEntry>();
  let currentIssuer = issuer.key;
  for (const eb of entryBlocks) {
    const [serialBlock, dateBlock, extBlock, more] = sequence(eb, 'revokedCertificate');
    if (more) throw new Asn1Error('revokedCertificate: unexpected element');
    const serial = hex(integerBytes(serialBlock, 'userCertificate'));
    const entry: CrlEntry = { date: time(dateBlock, 'revocationDate') };
    if (extBlock) {
      const ext = parseExtensions(extBlock, 'crlEntryExtensions');
      for (const [id, e] of ext) if (e.critical && !KNOWN_ENTRY_EXTENSIONS.has(id)) unknownCritical = true;
      const reason = ext.get(Oid.reasonCode);
      if (reason) {
        if (!isUniversal(reason.value, 10)) throw new Asn1Error('reasonCode: expected ENUMERATED');
        const c = contentOf(reason.value, 'reasonCode');
        entry.reason = c.length === 1 ? c[0] : -1;
      }
      const ci = ext.get(Oid.certificateIssuer);
      if (ci && idp?.indirectCRL) {
        const dir = parseGeneralNames(ci.value, 'certificateIssuer').find((g) => g.kind === 'directory');
        if (!dir || dir.kind !== 'directory') throw new Asn1Error('certificateIssuer: no directoryName');
        currentIssuer = dir.value.key;
      }
    }
    entries.set(`${currentIssuer}|${serial}`, entry);
  }
  return {
    der,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    tbs: encodingOf(tbsBlock),
    signatureAlgorithm,
    signature: sig.unusedBits === 0 ? sig.bytes : new Uint8Array(0),
    issuer,
    thisUpdate,
    nextUpdate,
    crlNumber: numberExt ? bigInteger(numberExt.value, 'cRLNumber') : undefined,
    crlNumberCritical: numberExt?.critical === true,
    baseCrlNumber: deltaExt ? bigInteger(deltaExt.value, 'deltaCRLIndicator') : undefined,
    idp,
    idpDer: idpExt ? encodingOf(idpExt.value) : undefined,
    authorityKeyId: akiExt ? decodeAuthorityKeyId(akiExt.value) : undefined,
    entries,
    unknownCritical,
  };
}
