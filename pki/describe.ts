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
