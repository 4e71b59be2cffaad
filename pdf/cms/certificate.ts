import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { type Der, children, decodeOid, expectTag, readDer } from './der';
import { OID } from './oids';

/** The parts of an X.509 certificate (RFC 5280 4.1) that CMS signing and verification need. */
export interface CertificateInfo {
  der: Uint8Array;
  /** serialNumber content octets (RFC 5280 4.1.2.2). */
  serial: Uint8Array;
  /** Lower-case hex of the serial without leading zero octets. */
  serialHex: string;
  /** DER of the issuer and subject Names. */
  issuerRaw: Uint8Array;
  subjectRaw: Uint8Array;
  /** RFC 4514-style strings, most specific RDN first. */
  issuer: string;
  subject: string;
  /** Attribute values by short name (CN, O, OU, ...), first occurrence. */
  subjectAttrs: Record<string, string>;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** Named bits of the keyUsage extension (RFC 5280 4.2.1.3), or undefined when the extension is absent. */
  keyUsage?: string[];
  /** subjectKeyIdentifier (RFC 5280 4.2.1.2) key identifier octets, when the extension is present. */
  subjectKeyIdentifier?: Uint8Array;
  /** extKeyUsage (RFC 5280 4.2.1.12): purpose OIDs and whether the extension is marked critical. */
  extKeyUsage?: { purposes: string[]; critical: boolean };
}

const ATTR_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.42': 'GN',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'E',
};

const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

function decodeString(d: Der): string {
  const b = Buffer.from(d.value);
  if (d.tag === 0x1e) return Buffer.from(b).swap16().toString('utf16le');
  if (d.tag === 0x14) return b.toString('latin1');
  return b.toString('utf8');
}

function escapeRdn(v: string): string {
  return v
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/** Decodes an X.501 Name into an RFC 4514 string (most specific RDN first) and an attribute map. */
export function decodeName(name: Der): { text: string; attrs: Record<string, string> } {
  const attrs: Record<string, string> = {};
  const rdns = children(expectTag(name, 0x30, 'Name')).map((rdn) =>
    children(rdn)
      .map((atv) => {
        const [type, value] = children(atv);
        const o = decodeOid(type!);
        const short = ATTR_NAMES[o] ?? o;
        const v = decodeString(value!);
        if (!(short in attrs)) attrs[short] = v;
        return `${short}=${escapeRdn(v)}`;
      })
      .join('+'),
  );
  return { text: rdns.reverse().join(', '), attrs };
}

function decodeTime(d: Der): Date {
  const s = Buffer.from(d.value).toString('latin1');
  const m = /^(\d{2,4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new Error(`bad time ${s}`);
  let year = Number(m[1]);
  if (d.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Parses a DER certificate. Throws on malformed input. */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  const cert = readDer(der, 0);
  const [tbs] = children(expectTag(cert, 0x30, 'Certificate'));
  const f = children(expectTag(tbs, 0x30, 'TBSCertificate'));
  let i = f[0]?.tag === 0xa0 ? 1 : 0;
  const serial = expectTag(f[i++], 0x02, 'serialNumber').value;
  i++; // signature AlgorithmIdentifier
  const issuer = expectTag(f[i++], 0x30, 'issuer');
  const validity = children(expectTag(f[i++], 0x30, 'validity'));
  const subject = expectTag(f[i++], 0x30, 'subject');
  const spki = expectTag(f[i++], 0x30, 'subjectPublicKeyInfo');
  let ext: Extensions = {};
  for (; i < f.length; i++) if (f[i]!.tag === 0xa3) ext = readExtensions(children(f[i]!)[0]!);
  const iss = decodeName(issuer);
  const sub = decodeName(subject);
  let serialHex = Buffer.from(serial)
    .toString('hex')
    .replace(/^(00)+(?=.)/, '');
  if (serialHex.length === 0) serialHex = '0';
  return {
    der: cert.raw,
    serial,
    serialHex,
    issuerRaw: issuer.raw,
    subjectRaw: subject.raw,
    issuer: iss.text,
    subject: sub.text,
    subjectAttrs: sub.attrs,
    notBefore: decodeTime(validity[0]!),
    notAfter: decodeTime(validity[1]!),
    publicKey: createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' }),
    ...ext,
  };
}

type Extensions = Pick<CertificateInfo, 'keyUsage' | 'subjectKeyIdentifier' | 'extKeyUsage'>;

/** The extensions signature verification looks at (RFC 5280 4.2.1.2, 4.2.1.3, 4.2.1.12). */
function readExtensions(list: Der): Extensions {
  const out: Extensions = {};
  for (const ext of children(expectTag(list, 0x30, 'Extensions'))) {
    const parts = children(ext);
    const type = decodeOid(parts[0]!);
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 && parts[1]!.value[0] !== 0;
    const value = readDer(expectTag(parts[parts.length - 1], 0x04, 'extnValue').value, 0);
    if (type === OID.keyUsage) {
      const unused = value.value[0] ?? 0;
      out.keyUsage = [];
      for (let bit = 0; bit < (value.value.length - 1) * 8 - unused; bit++)
        if (value.value[1 + (bit >> 3)]! & (0x80 >> (bit & 7)))
          out.keyUsage.push(KEY_USAGE_BITS[bit] ?? `bit${bit}`);
    } else if (type === OID.subjectKeyIdentifier) {
      out.subjectKeyIdentifier = expectTag(value, 0x04, 'KeyIdentifier').value;
    } else if (type === OID.extKeyUsage) {
      out.extKeyUsage = { purposes: children(value).map(decodeOid), critical };
    }
  }
  return out;
}

/** SHA-256 of a certificate, as used by ESSCertIDv2 (RFC 5035). */
export function certHash(der: Uint8Array, alg = 'sha256'): Buffer {
  return createHash(alg).update(der).digest();
}

/** Reads certificates given as DER or PEM (one or many `CERTIFICATE` blocks). */
export function readCertificates(bytes: Uint8Array): Uint8Array[] {
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.includes('-----BEGIN')) return [bytes];
  const out: Uint8Array[] = [];
  const re =
    /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  return out;
}
