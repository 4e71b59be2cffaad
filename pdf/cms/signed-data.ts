import { verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import type { DigestAlgorithm } from '../core/source';
import { nodeHashName } from '../core/source';
import { type CertificateInfo, certHash } from './certificate';
import {
  type Der,
  DerError,
  children,
  ctx,
  decodeOid,
  expectTag,
  int,
  nul,
  octets,
  oid,
  parseDerPadded,
  readDer,
  seq,
  set,
  setOf,
  tlv,
} from './der';
import { DIGEST_OIDS, DIGEST_OID_OF, OID } from './oids';

/** Signature scheme of the signer's key. */
export interface SignatureScheme {
  keyAlgorithm: 'RSA' | 'ECDSA';
  hash: 'SHA-256' | 'SHA-384';
  /** RSA only: PKCS #1 v1.5 (default) or RSASSA-PSS (RFC 4055) with salt length = hash length. */
  rsaScheme?: 'pkcs1' | 'pss';
}

const HASH_LEN: Record<DigestAlgorithm, number> = {
  'SHA-1': 20,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

function digestAlgId(alg: DigestAlgorithm): Buffer {
  // RFC 5754 3: parameters absent for SHA-2.
  return seq(oid(DIGEST_OID_OF[alg]));
}

/** AlgorithmIdentifier of the SignerInfo signatureAlgorithm (RFC 5754, RFC 4055 3.1, RFC 5758 3.2). */
export function signatureAlgorithmId(s: SignatureScheme): Buffer {
  if (s.keyAlgorithm === 'ECDSA')
    return seq(oid(s.hash === 'SHA-384' ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256));
  if (s.rsaScheme === 'pss') {
    const h = digestAlgId(s.hash);
    return seq(
      oid(OID.rsassaPss),
      seq(ctx(0, h), ctx(1, seq(oid(OID.mgf1), h)), ctx(2, int(HASH_LEN[s.hash]))),
    );
  }
  return seq(oid(s.hash === 'SHA-384' ? OID.sha384WithRSA : OID.sha256WithRSA), nul());
}

function issuerAndSerial(cert: CertificateInfo): Buffer {
  return seq(cert.issuerRaw, int(cert.serial));
}

/**
 * DER of the signed attributes as a SET OF (RFC 5652 5.4: this encoding is what gets signed): content-type id-data,
 * message-digest, and signing-certificate-v2 (RFC 5035) as ETSI EN 319 142-1 5.2.2 requires for PAdES baseline.
 * No signing-time attribute: PAdES puts the claimed signing time in the signature dictionary /M.
 */
export function buildSignedAttributes(digest: Uint8Array, signer: CertificateInfo): Buffer {
  const essCertIdV2 = seq(
    octets(certHash(signer.der)),
    seq(seq(tlv(0xa4, signer.issuerRaw)), int(signer.serial)),
  );
  return setOf(
    seq(oid(OID.contentType), set(oid(OID.data))),
    seq(oid(OID.messageDigest), set(octets(digest))),
    seq(oid(OID.signingCertificateV2), set(seq(seq(essCertIdV2)))),
  );
}

/**
 * ContentInfo with a detached SignedData (RFC 5652 5.1): one SignerInfo identified by issuer and serial number,
 * the given certificates (signer first), no encapsulated content.
 */
export function buildSignedData(input: {
  signedAttributes: Uint8Array;
  signature: Uint8Array;
  scheme: SignatureScheme;
  signer: CertificateInfo;
  certificates: Uint8Array[];
}): Buffer {
  const attrs = Buffer.from(input.signedAttributes);
  const implicitAttrs = Buffer.concat([Buffer.from([0xa0]), attrs.subarray(1)]);
  const signerInfo = seq(
    int(1),
    issuerAndSerial(input.signer),
    digestAlgId(input.scheme.hash),
    implicitAttrs,
    signatureAlgorithmId(input.scheme),
    octets(input.signature),
  );
  const signedData = seq(
    int(1),
    set(digestAlgId(input.scheme.hash)),
    seq(oid(OID.data)),
    ctx(0, ...input.certificates),
    set(signerInfo),
  );
  return seq(oid(OID.signedData), ctx(0, signedData));
}

/** Largest signature value the certificate's key can produce, for sizing /Contents before signing. */
export function maxSignatureLength(cert: CertificateInfo): number {
  const d = cert.publicKey.asymmetricKeyDetails;
  if (cert.publicKey.asymmetricKeyType === 'ec') {
    const bits = { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[d?.namedCurve ?? ''] ?? 521;
    const n = Math.ceil(bits / 8) + 1;
    return 2 * (n + 3) + 3;
  }
  return Math.ceil((d?.modulusLength ?? 4096) / 8);
}

/** Key family of a certificate's public key, or undefined when not supported. */
export function keyAlgorithmOf(cert: CertificateInfo): 'RSA' | 'ECDSA' | undefined {
  const t = cert.publicKey.asymmetricKeyType;
  return t === 'rsa' || t === 'rsa-pss' ? 'RSA' : t === 'ec' ? 'ECDSA' : undefined;
}

/** A parsed SignerInfo with the raw pieces verification needs (RFC 5652 5.3). */
export interface ParsedSignedData {
  signerInfoCount: number;
  certificates: Uint8Array[];
  hasEncapsulatedContent: boolean;
  sid: { kind: 'issuerSerial'; issuerRaw: Uint8Array; serial: Uint8Array } | { kind: 'ski'; ski: Uint8Array };
  digestAlgorithm?: DigestAlgorithm;
  digestAlgorithmOid: string;
  /** DER of the signed attributes re-tagged as SET OF (what was signed), when present. */
  signedAttributes?: Uint8Array;
  attributes: Map<string, Der[]>;
  signatureAlgorithmOid: string;
  signatureAlgorithmParams?: Der;
  signature: Uint8Array;
}

/** Parses a ContentInfo holding SignedData. Throws {@link DerError} when the structure is not CMS SignedData. */
export function parseSignedData(bytes: Uint8Array): ParsedSignedData {
  const ci = children(expectTag(parseDerPadded(bytes), 0x30, 'ContentInfo'));
  if (decodeOid(ci[0]!) !== OID.signedData) throw new DerError('contentType is not signedData');
  const sd = children(expectTag(children(expectTag(ci[1], 0xa0, '[0] content'))[0], 0x30, 'SignedData'));
  let i = 2;
  const encap = children(expectTag(sd[i++], 0x30, 'EncapsulatedContentInfo'));
  const certificates: Uint8Array[] = [];
  if (sd[i]?.tag === 0xa0) {
    for (const c of children(sd[i]!)) if (c.tag === 0x30) certificates.push(c.raw);
    i++;
  }
  if (sd[i]?.tag === 0xa1) i++;
  const infos = children(expectTag(sd[i], 0x31, 'signerInfos'));
  if (infos.length === 0) throw new DerError('no SignerInfo');
  const si = children(expectTag(infos[0], 0x30, 'SignerInfo'));
  let j = 1;
  const sidDer = si[j++]!;
  let sid: ParsedSignedData['sid'];
  if (sidDer.tag === 0x30) {
    const [issuer, serial] = children(sidDer);
    sid = {
      kind: 'issuerSerial',
      issuerRaw: expectTag(issuer, 0x30, 'issuer').raw,
      serial: expectTag(serial, 0x02, 'serial').value,
    };
  } else if (sidDer.tag === 0x80) sid = { kind: 'ski', ski: sidDer.value };
  else throw new DerError('bad SignerIdentifier');
  const digestOid = decodeOid(children(expectTag(si[j++], 0x30, 'digestAlgorithm'))[0]!);
  let signedAttributes: Uint8Array | undefined;
  const attributes = new Map<string, Der[]>();
  if (si[j]?.tag === 0xa0) {
    const raw = Buffer.from(si[j]!.raw);
    raw[0] = 0x31;
    signedAttributes = raw;
    for (const a of children(si[j]!)) {
      const [type, values] = children(expectTag(a, 0x30, 'Attribute'));
      const t = decodeOid(type!);
      if (attributes.has(t)) throw new DerError(`duplicate signed attribute ${t}`);
      attributes.set(t, children(expectTag(values, 0x31, 'AttributeValues')));
    }
    j++;
  }
  const sigAlg = children(expectTag(si[j++], 0x30, 'signatureAlgorithm'));
  const signature = expectTag(si[j++], 0x04, 'signature').value;
  return {
    signerInfoCount: infos.length,
    certificates,
    hasEncapsulatedContent: encap.length > 1,
    sid,
    digestAlgorithm: DIGEST_OIDS[digestOid],
    digestAlgorithmOid: digestOid,
    signedAttributes,
    attributes,
    signatureAlgorithmOid: decodeOid(sigAlg[0]!),
    signatureAlgorithmParams: sigAlg[1],
    signature,
  };
}

function pssParams(params: Der | undefined): { hash: DigestAlgorithm; saltLength: number } {
  let hash: DigestAlgorithm = 'SHA-1';
  let saltLength = 20;
  if (params && params.tag === 0x30) {
    for (const p of children(params)) {
      if (p.tag === 0xa0) {
        const h = DIGEST_OIDS[decodeOid(children(children(p)[0]!)[0]!)];
        if (!h) throw new DerError('unsupported PSS hash');
        hash = h;
      } else if (p.tag === 0xa2) {
        const v = readDer(p.value, 0).value;
        saltLength = v.reduce((acc, b) => acc * 256 + b, 0);
      }
    }
  }
  return { hash, saltLength };
}

/**
 * Verifies a SignerInfo signature value over `data` with node:crypto. Supports RSA PKCS #1 v1.5 (rsaEncryption or
 * shaXWithRSAEncryption), RSASSA-PSS (RFC 4055) and ECDSA (RFC 5758). Returns false for an unknown algorithm.
 */
export function verifySignatureValue(
  publicKey: KeyObject,
  p: Pick<ParsedSignedData, 'signatureAlgorithmOid' | 'signatureAlgorithmParams' | 'digestAlgorithm'>,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const digest = p.digestAlgorithm;
  const o = p.signatureAlgorithmOid;
  try {
    if (o === OID.rsassaPss) {
      const { hash, saltLength } = pssParams(p.signatureAlgorithmParams);
      return cryptoVerify(
        nodeHashName(hash),
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
        signature,
      );
    }
    const rsaHash: Record<string, DigestAlgorithm | undefined> = {
      [OID.rsaEncryption]: digest,
      [OID.sha1WithRSA]: 'SHA-1',
      [OID.sha256WithRSA]: 'SHA-256',
      [OID.sha384WithRSA]: 'SHA-384',
      [OID.sha512WithRSA]: 'SHA-512',
    };
    const ecHash: Record<string, DigestAlgorithm | undefined> = {
      [OID.ecPublicKey]: digest,
      [OID.ecdsaWithSha256]: 'SHA-256',
      [OID.ecdsaWithSha384]: 'SHA-384',
      [OID.ecdsaWithSha512]: 'SHA-512',
    };
    if (o in rsaHash) {
      const h = rsaHash[o];
      if (!h || publicKey.asymmetricKeyType !== 'rsa') return false;
      return cryptoVerify(
        nodeHashName(h),
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
        signature,
      );
    }
    if (o in ecHash) {
      const h = ecHash[o];
      if (!h || publicKey.asymmetricKeyType !== 'ec') return false;
      return cryptoVerify(nodeHashName(h), data, { key: publicKey, dsaEncoding: 'der' }, signature);
    }
    return false;
  } catch {
    return false;
  }
}

/** Converts a raw `r || s` ECDSA signature (as WebCrypto and some tokens return it) to DER ECDSA-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  const half = raw.length / 2;
  const enc = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return int(v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
  };
  return seq(enc(raw.subarray(0, half)), enc(raw.subarray(half)));
}
