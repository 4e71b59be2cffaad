/**
 * Builds certificates, CMS SignedData and PDFs around them at runtime, with node:crypto and fixed dates, so tests can
 * shape what other signing tools produce: any key type, issuer names in another string encoding, SKI signer
 * identifiers, no signed attributes, several SignerInfos, unsigned attributes (time-stamps).
 */
import { type KeyObject, createHash, sign as cryptoSign } from 'node:crypto';
import { type Der, ctx, int, nul, octets, oid, readDer, seq, set, setOf, tlv } from '../../../../pdf/cms/der';
import { OID } from '../../../../pdf/cms/oids';
import { prepareSignature } from '../../../../pdf/sign/prepare';
import type { TestPki } from '../../../helpers/test-pki';

export type Sha = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA3-256' | 'SHA3-384' | 'SHA3-512';
/** Digest algorithms of a SignerInfo: SHAKE256 (512-bit output) is Ed448's (RFC 8419 2.3). */
export type Hash = Sha | 'SHAKE256';
const NODE: Record<Sha, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA3-256': 'sha3-256',
  'SHA3-384': 'sha3-384',
  'SHA3-512': 'sha3-512',
};
const DIGEST_OID: Record<Hash, string> = {
  'SHA-1': OID.sha1,
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
  'SHA3-256': OID.sha3_256,
  'SHA3-384': OID.sha3_384,
  'SHA3-512': OID.sha3_512,
  SHAKE256: '2.16.840.1.101.3.4.2.12',
};

export const digest = (h: Hash, data: Uint8Array) =>
  (h === 'SHAKE256' ? createHash('shake256', { outputLength: 64 }) : createHash(NODE[h]))
    .update(data)
    .digest();
export const digestAlgId = (h: Hash) => seq(oid(DIGEST_OID[h]));

const UTF8 = 0x0c;
export const PRINTABLE = 0x13;

/** Name (RFC 5280 4.1.2.4): C=VN, O=`org`, CN=`cn`, strings in the given encoding (UTF8String by default). */
export function name(cn: string, org = 'Test Org', tag = UTF8): Buffer {
  const atv = (o: string, v: string, t: number) => set(seq(oid(o), tlv(t, Buffer.from(v, 'utf8'))));
  return seq(atv('2.5.4.6', 'VN', PRINTABLE), atv('2.5.4.10', org, tag), atv('2.5.4.3', cn, tag));
}

const utcTime = (d: Date) =>
  tlv(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'latin1'));

/** How a key signs: the AlgorithmIdentifier and the signature function over data. */
export interface Scheme {
  algId: Buffer;
  sign(data: Uint8Array, key: KeyObject): Buffer;
}

export const schemes = {
  rsa: (h: Sha): Scheme => ({
    algId: seq(
      oid(
        {
          'SHA-1': OID.sha1WithRSA,
          'SHA-256': OID.sha256WithRSA,
          'SHA-384': OID.sha384WithRSA,
          'SHA-512': OID.sha512WithRSA,
          'SHA3-256': OID.rsaWithSha3_256,
          'SHA3-384': OID.rsaWithSha3_384,
          'SHA3-512': OID.rsaWithSha3_512,
        }[h],
      ),
      nul(),
    ),
    sign: (d, key) => cryptoSign(NODE[h], d, key),
  }),
  /** rsaEncryption with the hash taken from the SignerInfo digestAlgorithm (what OpenSSL writes). */
  rsaEncryption: (h: Sha): Scheme => ({
    algId: seq(oid(OID.rsaEncryption), nul()),
    sign: (d, key) => cryptoSign(NODE[h], d, key),
  }),
  ecdsa: (h: 'SHA-256' | 'SHA-384' | 'SHA3-256' | 'SHA3-384' | 'SHA3-512'): Scheme => ({
    algId: seq(
      oid(
        {
          'SHA-256': OID.ecdsaWithSha256,
          'SHA-384': OID.ecdsaWithSha384,
          'SHA3-256': OID.ecdsaWithSha3_256,
          'SHA3-384': OID.ecdsaWithSha3_384,
          'SHA3-512': OID.ecdsaWithSha3_512,
        }[h],
      ),
    ),
    sign: (d, key) => cryptoSign(NODE[h], d, key),
  }),
  ed25519: (): Scheme => ({ algId: seq(oid(OID.ed25519)), sign: (d, key) => cryptoSign(null, d, key) }),
  ed448: (): Scheme => ({ algId: seq(oid(OID.ed448)), sign: (d, key) => cryptoSign(null, d, key) }),
};

/** Certificate options; the issuer signs with sha256WithRSAEncryption or its own scheme. */
export interface CertOptions {
  subject: Buffer;
  issuer: Buffer;
  publicKey: KeyObject;
  issuerKey: KeyObject;
  issuerScheme?: Scheme;
  serial?: number;
  ca?: boolean;
  ski?: Uint8Array;
  /** extKeyUsage purposes and criticality (RFC 5280 4.2.1.12). */
  eku?: { purposes: string[]; critical: boolean };
  notBefore?: Date;
  notAfter?: Date;
}

function extension(type: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(type), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));
}

/** X.509 v3 certificate (RFC 5280 4.1) with fixed default validity 2025-01-01 .. 2035-01-01. */
export function makeCertificate(o: CertOptions): Buffer {
  const scheme = o.issuerScheme ?? schemes.rsa('SHA-256');
  const exts: Buffer[] = [];
  if (o.ca) exts.push(extension('2.5.29.19', true, seq(tlv(0x01, Buffer.from([0xff])))));
  exts.push(extension(OID.keyUsage, true, tlv(0x03, Buffer.from(o.ca ? [0x01, 0x06] : [0x06, 0xc0]))));
  if (o.ski) exts.push(extension(OID.subjectKeyIdentifier, false, octets(o.ski)));
  if (o.eku) exts.push(extension(OID.extKeyUsage, o.eku.critical, seq(...o.eku.purposes.map(oid))));
  const tbs = seq(
    ctx(0, int(2)),
    int(o.serial ?? 1),
    scheme.algId,
    o.issuer,
    seq(
      utcTime(o.notBefore ?? new Date('2025-01-01T00:00:00Z')),
      utcTime(o.notAfter ?? new Date('2035-01-01T00:00:00Z')),
    ),
    o.subject,
    o.publicKey.export({ type: 'spki', format: 'der' }),
    ctx(3, seq(...exts)),
  );
  const sig = scheme.sign(tbs, o.issuerKey);
  return seq(tbs, scheme.algId, tlv(0x03, Buffer.concat([Buffer.from([0]), sig])));
}

/** Signed or unsigned attribute. */
export const attribute = (type: string, ...values: Uint8Array[]) => seq(oid(type), set(...values));

/** Standard signed attributes over `content`: content-type, message-digest and ESS signing-certificate-v2. */
export function standardAttributes(
  content: Uint8Array,
  h: Hash,
  cert: Uint8Array,
  contentType: string = OID.data,
): Buffer[] {
  return [
    attribute(OID.contentType, oid(contentType)),
    attribute(OID.messageDigest, octets(digest(h, content))),
    attribute(OID.signingCertificateV2, seq(seq(seq(octets(digest('SHA-256', cert)))))),
  ];
}

/** Options for one SignerInfo (RFC 5652 5.3). */
export interface SignerInfoOptions {
  cert: Uint8Array;
  key: KeyObject;
  digestAlgorithm: Hash;
  scheme: Scheme;
  content: Uint8Array;
  /** Signed attributes (in the given order, not re-sorted); `false` signs the content itself. Default: standard. */
  signedAttributes?: Buffer[] | false;
  /** SignerIdentifier: issuer and serial (issuer name may be replaced) or subjectKeyIdentifier. */
  sid?: { issuer?: Buffer; serial?: number } | { ski: Uint8Array };
  /** Unsigned attributes, computed from the signature value (for signature time-stamps). */
  unsigned?: (signature: Buffer) => Buffer[];
}

function certIssuerSerial(cert: Uint8Array): { issuer: Buffer; serial: Buffer } {
  const tbs = readDer(readDer(cert, 0).value, 0);
  const f: Der[] = [];
  for (let p = 0; p < tbs.value.length;) {
    const d = readDer(tbs.value, p);
    f.push(d);
    p = d.end;
  }
  const i = f[0]!.tag === 0xa0 ? 1 : 0;
  return { serial: Buffer.from(f[i]!.raw), issuer: Buffer.from(f[i + 2]!.raw) };
}

/** A SignerInfo; the signature covers the DER SET OF signed attributes, or the content when there are none. */
export function signerInfo(o: SignerInfoOptions): Buffer {
  const own = certIssuerSerial(o.cert);
  let sid: Buffer;
  if (o.sid && 'ski' in o.sid) sid = tlv(0x80, o.sid.ski);
  else sid = seq(o.sid?.issuer ?? own.issuer, o.sid?.serial !== undefined ? int(o.sid.serial) : own.serial);
  const attrs =
    o.signedAttributes === undefined
      ? standardAttributes(o.content, o.digestAlgorithm, o.cert)
      : o.signedAttributes;
  const signed = attrs === false ? undefined : set(...attrs);
  const signature = o.scheme.sign(signed ?? o.content, o.key);
  const unsigned = o.unsigned?.(signature);
  return seq(
    int(sid[0] === 0x80 ? 3 : 1),
    sid,
    digestAlgId(o.digestAlgorithm),
    ...(signed ? [Buffer.concat([Buffer.from([0xa0]), signed.subarray(1)])] : []),
    o.scheme.algId,
    octets(signature),
    ...(unsigned?.length ? [ctx(1, ...unsigned)] : []),
  );
}

/** ContentInfo with SignedData (RFC 5652 5.1): detached over id-data unless `encapsulated` is given. */
export function signedData(o: {
  certificates: Uint8Array[];
  signerInfos: Buffer[];
  digestAlgorithms: Hash[];
  encapsulated?: { type: string; content: Uint8Array };
}): Buffer {
  const encap = o.encapsulated
    ? seq(oid(o.encapsulated.type), ctx(0, octets(o.encapsulated.content)))
    : seq(oid(OID.data));
  const sd = seq(
    int(3),
    setOf(...[...new Set(o.digestAlgorithms)].map(digestAlgId)),
    encap,
    ctx(0, ...o.certificates),
    set(...o.signerInfos),
  );
  return seq(oid(OID.signedData), ctx(0, sd));
}

/**
 * A signed PDF whose /Contents is whatever `cms` returns for the signed bytes: prepares a signature placeholder
 * with lienthong's own prepareSignature, optionally renames /SubFilter (same length, so offsets hold), then fills
 * /Contents with the hex of the CMS.
 */
export async function pdfWithCms(
  pki: TestPki,
  input: Uint8Array,
  cms: (signedBytes: Buffer) => Uint8Array,
  opts: {
    subFilter?: 'adbe.pkcs7.detached' | 'adbe.pkcs7.sha1' | 'ETSI.RFC3161';
    margin?: number;
    fieldName?: string;
    /**
     * Rewrites the /ByteRange (same width, so offsets hold) from the standard one `[0, b, c, d]`; the CMS then
     * signs exactly the bytes the new value names.
     */
    byteRange?: (standard: [number, number, number, number]) => number[];
  } = {},
): Promise<Buffer> {
  const p = await prepareSignature(input, {
    certificateChain: await pki.organisation.signer.certificateChain(),
    signingTime: new Date('2026-02-10T03:30:00Z'),
    contentsMargin: opts.margin ?? 12_000,
    appearance: { kind: 'none' },
    ...(opts.fieldName ? { fieldName: opts.fieldName } : {}),
  });
  const pdf = Buffer.from(p.prepared!);
  const [, b, c, d] = p.state.byteRange;
  let ranges: number[] = [0, b, c, d];
  if (opts.byteRange) {
    ranges = opts.byteRange([0, b, c, d]);
    const at = pdf.lastIndexOf('/ByteRange[');
    const width = pdf.indexOf(']', at) - at - '/ByteRange['.length;
    pdf.write(`${ranges.join(' ')}`.padEnd(width, ' '), at + '/ByteRange['.length, 'latin1');
  }
  if (opts.subFilter) {
    const at = pdf.lastIndexOf('/SubFilter/ETSI.CAdES.detached');
    if (at < 0) throw new Error('no SubFilter to rename');
    pdf.write(`/SubFilter/${opts.subFilter}`.padEnd(30, ' '), at, 'latin1');
  }
  const parts: Buffer[] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2)
    parts.push(pdf.subarray(ranges[i], ranges[i]! + ranges[i + 1]!));
  const signedBytes = Buffer.concat(parts);
  const hex = Buffer.from(cms(signedBytes)).toString('hex');
  if (hex.length > c - b - 2) throw new Error(`CMS of ${hex.length / 2} bytes does not fit /Contents`);
  pdf.write(hex, b + 1, 'latin1');
  return pdf;
}
