import { Oid } from './oids';
import { cachedCertificate } from './validate/cache';
import { formatName } from './validate/name';

/**
 * Subject DN of a DER certificate as an RFC 4514 string with Unicode preserved
 * (e.g. `CN=Nguyễn Văn An,title=Chủ tịch,O=Ủy ban nhân dân xã Tân Phú,C=VN`).
 *
 * @throws Asn1Error (code `MALFORMED`) if the certificate cannot be parsed.
 */
export function describeName(certificate: Uint8Array): string {
  return formatName(cachedCertificate(certificate).subject);
}

/** Facts about a certificate for display and stores (RFC 5280 4.1). */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
}

/** Summarises a DER certificate. @throws Asn1Error (code `MALFORMED`) if it cannot be parsed. */
export function describeCertificate(certificate: Uint8Array): CertificateSummary {
  const c = cachedCertificate(certificate);
  return {
    subject: formatName(c.subject),
    issuer: formatName(c.issuer),
    serialHex: Buffer.from(c.serial).toString('hex'),
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    isCa: c.isCa,
  };
}

/** The subject attributes that name a certificate's holder (RFC 5280 4.1.2.6; X.520 types). */
export interface SubjectAttributes {
  commonName?: string;
  organisation?: string;
  organisationalUnit?: string;
}

/** Reads CN, O and OU of a DER certificate's subject (the first of each). @throws Asn1Error (code `MALFORMED`). */
export function subjectAttributes(certificate: Uint8Array): SubjectAttributes {
  const atvs = cachedCertificate(certificate).subject.rdns.flat();
  const first = (oid: string) => atvs.find((a) => a.type === oid)?.text;
  return {
    commonName: first(Oid.commonName),
    organisation: first(Oid.organization),
    organisationalUnit: first(Oid.organizationalUnit),
  };
}
