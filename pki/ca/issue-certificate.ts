import { sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Oid } from '../oids';
import { authorityKeyIdentifierExtension, subjectKeyIdentifierExtension } from './extensions';
import { keyIdentifier, signatureAlgorithmFor, toPublicKeyInfo } from './keys';
import { toPkijsName, type DnAttribute } from './names';
import { randomSerial, serialToHex } from './serial';
import { toTime } from './time';

/** A CA able to sign: its DER certificate and private key. */
export interface CaCredentials {
  certificate: Uint8Array;
  privateKey: KeyObject;
}

/** Output of every certificate builder. Private keys are only present when the builder generated them. */
export interface IssuedCertificate {
  /** DER X.509 certificate. */
  certificate: Uint8Array;
  /** Serial number as lower-case hex. */
  serialHex: string;
}

export interface IssueCertificateParams {
  subject: readonly DnAttribute[];
  subjectPublicKey: KeyObject;
  /** The issuing CA; omit for a self-signed certificate (then `selfSignKey` signs). */
  issuer?: CaCredentials;
  selfSignKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Extensions other than SKI/AKI, which are always added (RFC 5280 4.2.1.1, 4.2.1.2). */
  extensions: pkijs.Extension[];
  serialNumber?: Uint8Array;
  hash?: 'SHA-256' | 'SHA-384';
}

/**
 * Builds and signs an X.509 v3 certificate (RFC 5280 4.1). The TBSCertificate is encoded with pkijs and signed with
 * node:crypto; the issuer name is copied byte-for-byte from the issuer certificate so name chaining (6.1.3 (a)(4))
 * holds exactly.
 *
 * @throws Error for programming errors only (no signing key, unsupported key type, unparsable issuer certificate).
 */
export function issueCertificate(params: IssueCertificateParams): IssuedCertificate {
  const signingKey = params.issuer ? params.issuer.privateKey : params.selfSignKey;
  if (!signingKey) throw new Error('issueCertificate: issuer or selfSignKey is required');
  const spki = toPublicKeyInfo(params.subjectPublicKey);
  const subject = toPkijsName(params.subject);
  let issuerName = subject;
  let authorityKeyId = keyIdentifier(spki);
  if (params.issuer) {
    const issuerCert = pkijs.Certificate.fromBER(params.issuer.certificate);
    issuerName = issuerCert.subject;
    authorityKeyId = subjectKeyIdOf(issuerCert) ?? keyIdentifier(issuerCert.subjectPublicKeyInfo);
  }
  const serial = params.serialNumber ?? randomSerial();
  const { algorithm, nodeHash } = signatureAlgorithmFor(signingKey, params.hash);

  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  cert.signature = algorithm;
  cert.signatureAlgorithm = algorithm;
  cert.issuer = issuerName;
  cert.subject = subject;
  cert.notBefore = toTime(params.notBefore);
  cert.notAfter = toTime(params.notAfter);
  cert.subjectPublicKeyInfo = spki;
  cert.extensions = [
    subjectKeyIdentifierExtension(keyIdentifier(spki)),
    authorityKeyIdentifierExtension(authorityKeyId),
    ...params.extensions,
  ];
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  const signature = sign(nodeHash, tbs, signingKey);
  cert.tbsView = tbs;
  cert.signatureValue = new asn1js.BitString({ valueHex: signature });
  return {
    certificate: new Uint8Array(cert.toSchema(false).toBER(false)),
    serialHex: serialToHex(serial),
  };
}

/** The subjectKeyIdentifier of a parsed certificate, if present. */
export function subjectKeyIdOf(cert: pkijs.Certificate): Uint8Array | undefined {
  const ski = cert.extensions?.find((e) => e.extnID === Oid.subjectKeyIdentifier);
  if (!ski) return undefined;
  const parsed = asn1js.fromBER(ski.extnValue.valueBlock.valueHexView);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.OctetString)) return undefined;
  return new Uint8Array(parsed.result.valueBlock.valueHexView);
}
