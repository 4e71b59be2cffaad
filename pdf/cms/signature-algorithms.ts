import { type KeyObject, createHash, createVerify, verify as cryptoVerify } from 'node:crypto';
import { type DigestAlgorithm, nodeHashName } from '../core/source';
import { type Der, DerError, children, decodeOid, readDer } from './der';
import type { CmsDigestAlgorithm } from './digests';
import { DIGEST_OIDS, OID } from './oids';
import { type PssParameters, emsaPssVerify, pssVerifyDigest } from './rsassa-pss';

/**
 * A SignerInfo signatureAlgorithm understood well enough to verify: the key family, the hash the signature is
 * computed with and, for RSASSA-PSS, its parameters.
 */
export type SignatureAlgorithm =
  | { family: 'rsa-pkcs1'; hash: DigestAlgorithm; name: string }
  | { family: 'rsa-pss'; hash: DigestAlgorithm; pss: PssParameters; name: string }
  /** `plain`: the signature value is r || s (BSI TR-03111 5.2.1, IEEE P1363), not a DER Ecdsa-Sig-Value. */
  | { family: 'ecdsa'; hash: DigestAlgorithm; name: string; plain?: boolean }
  | { family: 'ed25519'; name: string }
  | { family: 'ed448'; name: string };

/** Why an algorithm cannot be verified here: it is not implemented (a limit of this verifier, not a forgery). */
export interface UnsupportedAlgorithm {
  unsupported: string;
}

const RSA_HASH: Record<string, DigestAlgorithm> = {
  [OID.sha1WithRSA]: 'SHA-1',
  [OID.sha256WithRSA]: 'SHA-256',
  [OID.sha384WithRSA]: 'SHA-384',
  [OID.sha512WithRSA]: 'SHA-512',
  [OID.rsaWithSha3_256]: 'SHA3-256',
  [OID.rsaWithSha3_384]: 'SHA3-384',
  [OID.rsaWithSha3_512]: 'SHA3-512',
};
const ECDSA_HASH: Record<string, DigestAlgorithm> = {
  [OID.ecdsaWithSha256]: 'SHA-256',
  [OID.ecdsaWithSha384]: 'SHA-384',
  [OID.ecdsaWithSha512]: 'SHA-512',
  [OID.ecdsaWithSha3_256]: 'SHA3-256',
  [OID.ecdsaWithSha3_384]: 'SHA3-384',
  [OID.ecdsaWithSha3_512]: 'SHA3-512',
};

/** ecdsa-plain-* (BSI TR-03111 5.2.1, under ecdsa-plain-signatures 0.4.0.127.0.7.1.1.4.1). */
const ECDSA_PLAIN_HASH: Record<string, DigestAlgorithm> = {
  [OID.ecdsaPlainSha1]: 'SHA-1',
  [OID.ecdsaPlainSha256]: 'SHA-256',
  [OID.ecdsaPlainSha384]: 'SHA-384',
  [OID.ecdsaPlainSha512]: 'SHA-512',
  [OID.ecdsaPlainSha3_256]: 'SHA3-256',
  [OID.ecdsaPlainSha3_384]: 'SHA3-384',
  [OID.ecdsaPlainSha3_512]: 'SHA3-512',
};

/** Hash named by an AlgorithmIdentifier; throws {@link UnsupportedHash} for one this verifier does not know. */
function algorithmHash(alg: Der): DigestAlgorithm {
  const o = decodeOid(children(alg)[0]!);
  const h = DIGEST_OIDS[o];
  if (!h) throw new UnsupportedHash(o);
  return h;
}

class UnsupportedHash extends Error {
  override readonly name = 'UnsupportedHash';
}

/**
 * RSASSA-PSS-params (RFC 4055 3.1): hashAlgorithm [0], maskGenAlgorithm [1] (MGF1 with its own hash), saltLength [2],
 * trailerField [3]. Absent fields take the RFC 4055 defaults: SHA-1, MGF1 with SHA-1, 20, 1. Throws
 * {@link DerError} on broken parameters and UnsupportedHash for a hash this verifier does not implement.
 */
function readPssParameters(params: Der | undefined): PssParameters {
  const out: PssParameters = { hash: 'SHA-1', mgf1Hash: 'SHA-1', saltLength: 20 };
  if (!params || params.tag === 0x05) return out;
  if (params.tag !== 0x30) throw new DerError('RSASSA-PSS-params is not a SEQUENCE');
  for (const p of children(params)) {
    const inner = children(p)[0]!;
    if (p.tag === 0xa0) out.hash = algorithmHash(inner);
    else if (p.tag === 0xa1) {
      const [mgf, mgfHash] = children(inner);
      if (decodeOid(mgf!) !== OID.mgf1)
        throw new UnsupportedHash('a mask generation function other than MGF1');
      out.mgf1Hash = algorithmHash(mgfHash!);
    } else if (p.tag === 0xa2) {
      const v = readDer(inner.raw, 0).value;
      if (v.length > 4) throw new DerError('PSS saltLength too large');
      out.saltLength = v.reduce((acc, b) => acc * 256 + b, 0);
    } else if (p.tag === 0xa3) {
      if (readDer(inner.raw, 0).value.reduce((acc, b) => acc * 256 + b, 0) !== 1)
        throw new DerError('PSS trailerField must be 1 (RFC 4055 3.1)');
    }
  }
  return out;
}

/**
 * Identifies the signature algorithm of a SignerInfo. The hash is the one the signatureAlgorithm OID names
 * (sha384WithRSAEncryption, ecdsa-with-SHA384: RFC 5754 3.2, RFC 5758 3.2; id-rsassa-pkcs1-v1_5-with-sha3-256,
 * id-ecdsa-with-sha3-256 and their 384/512 siblings: NIST CSOR, RFC 9688); with a bare key OID (rsaEncryption,
 * id-ecPublicKey, as OpenSSL and others write) it is the SignerInfo's digestAlgorithm (RFC 5652 5.4).
 * Returns {@link UnsupportedAlgorithm} for what is not implemented; throws {@link DerError} on broken parameters.
 */
export function identifySignatureAlgorithm(
  oid: string,
  params: Der | undefined,
  digestAlgorithm: CmsDigestAlgorithm | undefined,
): SignatureAlgorithm | UnsupportedAlgorithm {
  const needDigest = (
    family: 'rsa-pkcs1' | 'ecdsa',
    name: string,
  ): SignatureAlgorithm | UnsupportedAlgorithm =>
    digestAlgorithm && digestAlgorithm !== 'SHAKE256'
      ? { family, hash: digestAlgorithm, name: `${digestAlgorithm} with ${name}` }
      : { unsupported: `${name} with digest algorithm ${digestAlgorithm ?? '(unknown)'} is not supported` };
  if (oid === OID.ed25519) return { family: 'ed25519', name: 'Ed25519' };
  if (oid === OID.ed448) return { family: 'ed448', name: 'Ed448' };
  if (oid === OID.rsassaPss) {
    let pss: PssParameters;
    try {
      pss = readPssParameters(params);
    } catch (err) {
      if (!(err instanceof UnsupportedHash)) throw err;
      return { unsupported: `RSASSA-PSS with ${err.message} is not supported by this verifier` };
    }
    return {
      family: 'rsa-pss',
      hash: pss.hash,
      pss,
      name: `RSASSA-PSS (${pss.hash}, MGF1 ${pss.mgf1Hash}, salt ${pss.saltLength})`,
    };
  }
  if (oid === OID.rsaEncryption) return needDigest('rsa-pkcs1', 'RSA');
  if (oid === OID.ecPublicKey) return needDigest('ecdsa', 'ECDSA');
  const rsa = RSA_HASH[oid];
  if (rsa) return { family: 'rsa-pkcs1', hash: rsa, name: `${rsa} with RSA` };
  const ec = ECDSA_HASH[oid];
  if (ec) return { family: 'ecdsa', hash: ec, name: `${ec} with ECDSA` };
  const plain = ECDSA_PLAIN_HASH[oid];
  if (plain) return { family: 'ecdsa', hash: plain, name: `${plain} with plain ECDSA`, plain: true };
  return { unsupported: `signature algorithm ${oid} is not supported by this verifier` };
}

/** The key type each family needs: a signature is never checked with a key of another type. */
function keyFits(alg: SignatureAlgorithm, key: KeyObject): boolean {
  const t = key.asymmetricKeyType;
  switch (alg.family) {
    case 'rsa-pkcs1':
      return t === 'rsa';
    case 'rsa-pss':
      return t === 'rsa' || t === 'rsa-pss';
    case 'ecdsa':
      return t === 'ec';
    default:
      return t === alg.family;
  }
}

/** How node:crypto reads an ECDSA signature value: DER Ecdsa-Sig-Value (RFC 5758 3.2) or plain r || s. */
const dsaEncoding = (alg: { plain?: boolean }) => (alg.plain ? ('ieee-p1363' as const) : ('der' as const));

/**
 * The signed bytes, readable more than once (a PDF's ByteRange from disk, or bytes in memory). A chunk is valid only
 * until the next one is requested (a file is read through one reused buffer): copy it to keep it.
 */
export type SignedBytes = () => AsyncIterable<Uint8Array>;

/** Bytes held in memory as {@link SignedBytes}. */
export function inMemory(bytes: Uint8Array): SignedBytes {
  return async function* () {
    yield bytes;
  };
}

/** Upper bound on content collected in memory for EdDSA without signed attributes (PureEdDSA needs it whole). */
const EDDSA_CONTENT_LIMIT = 256 << 20;

/**
 * Verifies a signature value with node:crypto: RSA PKCS #1 v1.5 (RFC 8017 8.2), RSASSA-PSS with its own parameters
 * (RFC 4055, RFC 8017 8.1), ECDSA (RFC 5758, DER Ecdsa-Sig-Value; BSI TR-03111 plain r || s) and PureEdDSA Ed25519/Ed448 (RFC 8419).
 * Content is streamed except for EdDSA. Returns true or false (a key of the wrong type is false: invalid), or
 * {@link UnsupportedAlgorithm} for EdDSA content too large to hold in memory.
 */
export async function verifyWithAlgorithm(
  alg: SignatureAlgorithm,
  key: KeyObject,
  content: SignedBytes,
  signature: Uint8Array,
): Promise<boolean | UnsupportedAlgorithm> {
  if (!keyFits(alg, key)) return false;
  // node:crypto throws on malformed signature values (wrong length, bad DER): that is an invalid signature. Errors
  // reading the content are not caught here: they are not a verdict on the signature.
  const attempt = (f: () => boolean) => {
    try {
      return f();
    } catch {
      return false;
    }
  };
  if (alg.family === 'ed25519' || alg.family === 'ed448') {
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const c of content()) {
      size += c.length;
      if (size > EDDSA_CONTENT_LIMIT)
        return { unsupported: 'EdDSA over more than 256 MiB without signed attributes is not supported' };
      parts.push(Buffer.from(c));
    }
    return attempt(() => cryptoVerify(null, Buffer.concat(parts), key, signature));
  }
  if (alg.family === 'rsa-pss') return emsaPssVerify(key, alg.pss, content, signature);
  const v = createVerify(nodeHashName(alg.hash));
  for await (const c of content()) v.update(c);
  return attempt(() =>
    alg.family === 'ecdsa'
      ? v.verify({ key, dsaEncoding: dsaEncoding(alg) }, signature)
      : v.verify({ key }, signature),
  );
}

/** {@link verifyWithAlgorithm} over bytes in memory, synchronously (signed attributes, a signer's own check). */
export function verifyInMemory(
  alg: SignatureAlgorithm,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!keyFits(alg, key)) return false;
  try {
    if (alg.family === 'ed25519' || alg.family === 'ed448') return cryptoVerify(null, data, key, signature);
    if (alg.family === 'rsa-pss')
      return pssVerifyDigest(
        key,
        alg.pss,
        createHash(nodeHashName(alg.hash)).update(data).digest(),
        signature,
      );
    const opts = alg.family === 'ecdsa' ? { key, dsaEncoding: dsaEncoding(alg) } : { key };
    return cryptoVerify(nodeHashName(alg.hash), data, opts, signature);
  } catch {
    return false;
  }
}
