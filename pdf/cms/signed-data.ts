import type { KeyObject } from 'node:crypto';
import type { SignatureScheme } from '../../schemas/signing';
import type { DigestAlgorithm } from '../core/source';
import { type CertificateInfo, certHash } from './certificate';
import { ctx, int, nul, octets, oid, seq, set, setOf, tlv } from './der';
import { DIGEST_OID_OF, OID } from './oids';
import type { ParsedSignerInfo } from './parse-signed-data';
import { identifySignatureAlgorithm, verifyInMemory } from './signature-algorithms';

// Defined in schemas/ so the document workflow can carry it without importing pdf/.
export type { SignatureScheme };

const HASH_LEN: Record<DigestAlgorithm, number> = {
  'SHA-1': 20,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
  'SHA3-256': 32,
  'SHA3-384': 48,
  'SHA3-512': 64,
};

function digestAlgId(alg: DigestAlgorithm): Buffer {
  // RFC 5754 3: parameters absent for SHA-2 (and SHA-3, RFC 8702 2).
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

export { type ParsedSignedData, type ParsedSignerInfo, parseSignedData } from './parse-signed-data';

/**
 * Verifies a SignerInfo signature value over `data` in memory (RSA PKCS #1 v1.5, RSASSA-PSS with its parameters,
 * ECDSA, Ed25519, Ed448). Returns false for an invalid signature and for an algorithm this verifier does not know;
 * callers that must tell the two apart use {@link identifySignatureAlgorithm}.
 */
export function verifySignatureValue(
  publicKey: KeyObject,
  p: Pick<ParsedSignerInfo, 'signatureAlgorithmOid' | 'signatureAlgorithmParams' | 'digestAlgorithm'>,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  let alg;
  try {
    alg = identifySignatureAlgorithm(p.signatureAlgorithmOid, p.signatureAlgorithmParams, p.digestAlgorithm);
  } catch {
    return false;
  }
  return !('unsupported' in alg) && verifyInMemory(alg, publicKey, data, signature);
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
