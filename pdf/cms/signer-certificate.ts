import { namesEqual, parseNameDer } from '../../pki/validate/name';
import { type CertificateInfo, parseCertificate } from './certificate';
import type { SignerIdentifier } from './parse-signed-data';

/** INTEGER content octets without redundant leading zeros, so `00 85` and `85` name the same serial. */
function serialKey(b: Uint8Array): string {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && b[i + 1]! & 0x80) i++;
  return Buffer.from(b.subarray(i)).toString('hex');
}

/**
 * RFC 5280 7.1 comparison of two DER Names: string attributes compared case-insensitively with white space trimmed
 * and folded, whatever their string type (PrintableString and UTF8String of the same text match); other values
 * by their encoding. Byte-equal names always match; an unreadable name matches only byte for byte.
 */
export function sameName(a: Uint8Array, b: Uint8Array): boolean {
  if (Buffer.from(a).equals(Buffer.from(b))) return true;
  try {
    return namesEqual(parseNameDer(a), parseNameDer(b));
  } catch {
    return false;
  }
}

/**
 * Finds the certificate a SignerIdentifier names (RFC 5652 5.3) among `certificates`: by issuer and serial number,
 * the issuer compared as RFC 5280 7.1 prescribes, or by subjectKeyIdentifier (RFC 5280 4.2.1.2). Certificates that
 * cannot be parsed (or whose key node:crypto cannot load) are skipped. Undefined when none matches.
 */
export function findSignerCertificate(
  certificates: readonly Uint8Array[],
  sid: SignerIdentifier,
): CertificateInfo | undefined {
  for (const der of certificates) {
    let c: CertificateInfo;
    try {
      c = parseCertificate(der);
    } catch {
      continue;
    }
    if (sid.kind === 'ski') {
      if (c.subjectKeyIdentifier && Buffer.from(c.subjectKeyIdentifier).equals(Buffer.from(sid.ski)))
        return c;
    } else if (serialKey(c.serial) === serialKey(sid.serial) && sameName(c.issuerRaw, sid.issuerRaw))
      return c;
  }
  return undefined;
}
