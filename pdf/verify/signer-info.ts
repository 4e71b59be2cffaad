import { constants, publicDecrypt } from 'node:crypto';
import { nodeHashName } from '../core/source';
import { type CertificateInfo, certHash } from '../cms/certificate';
import { DerError, children, decodeOid, nul, octets, oid, seq } from '../cms/der';
import { type CmsDigestAlgorithm, cmsHash } from '../cms/digests';
import { DIGEST_OIDS, DIGEST_OID_OF, OID } from '../cms/oids';
import type { ParsedSignedData, ParsedSignerInfo } from '../cms/parse-signed-data';
import {
  type SignatureAlgorithm,
  type SignedBytes,
  identifySignatureAlgorithm,
  inMemory,
  verifyWithAlgorithm,
} from '../cms/signature-algorithms';
import { findSignerCertificate } from '../cms/signer-certificate';
import { type CryptoPolicy, checkCryptoConstraints } from './crypto-policy';
import { Verdict } from './verdict';

/**
 * The only message digest algorithm each EdDSA variant may be paired with when signed attributes are present
 * (RFC 8419 2.3): SHA-512 for Ed25519, SHAKE256 with 512 bits of output for Ed448. Another one is refused by policy
 * after the signature is verified, so that a broken hash or signature value is still reported as such.
 */
const EDDSA_DIGEST: Partial<Record<SignatureAlgorithm['family'], CmsDigestAlgorithm>> = {
  ed25519: 'SHA-512',
  ed448: 'SHAKE256',
};

/** How a SignerInfo is checked: what its signed content is and what the validation policy accepts. */
export interface SignerInfoContext {
  /** The signed content (a PDF's ByteRange, a TSTInfo). */
  content: SignedBytes;
  /** eContentType the content-type attribute must name (RFC 5652 11.1). */
  contentType: string;
  /** Signed attributes are mandatory (CAdES, RFC 3161); otherwise a signature over the content itself is accepted. */
  requireSignedAttributes: boolean;
  policy: CryptoPolicy;
  at: Date;
  /** Earliest proof of existence of the signature (a verified signature time-stamp), for the crypto policy. */
  poe?: Date;
}

/** The cryptographic verdict on one SignerInfo (RFC 5652 5.4-5.6), before any certificate path is looked at. */
export interface SignerInfoResult {
  verdict: Verdict;
  cert?: CertificateInfo;
  signatureAlgorithm?: string;
  digestAlgorithm?: CmsDigestAlgorithm;
  hasSignedAttributes: boolean;
}

/** ESS signing-certificate(-v2) (RFC 2634 5.4, RFC 5035): the first certHash must be the signer certificate's. */
export function essCertMatches(si: ParsedSignerInfo, cert: CertificateInfo): boolean | undefined {
  const v2 = si.attributes.get(OID.signingCertificateV2)?.[0];
  const v1 = si.attributes.get(OID.signingCertificate)?.[0];
  const attr = v2 ?? v1;
  if (!attr) return undefined;
  try {
    const parts = children(children(children(attr)[0]!)[0]!);
    let alg = v2 ? 'sha256' : 'sha1';
    let i = 0;
    if (v2 && parts[0]?.tag === 0x30) {
      const h = DIGEST_OIDS[decodeOid(children(parts[0])[0]!)];
      if (!h) return false;
      alg = nodeHashName(h);
      i = 1;
    }
    const hash = parts[i]?.value;
    return !!hash && Buffer.from(hash).equals(certHash(cert.der, alg));
  } catch {
    return false;
  }
}

async function digestOf(content: SignedBytes, alg: CmsDigestAlgorithm): Promise<Buffer> {
  const h = cmsHash(alg);
  for await (const c of content()) h.update(c);
  return h.digest();
}

/**
 * Signature over the content itself, without signed attributes (RFC 5652 5.4, adbe.pkcs7.detached). For RSA
 * PKCS #1 v1.5 the DigestInfo is recovered (RFC 8017 8.2.2), so a changed document is told apart from a broken
 * signature value; other algorithms verify over the streamed content.
 */
async function verifyWithoutAttributes(
  v: Verdict,
  alg: SignatureAlgorithm,
  si: ParsedSignerInfo,
  cert: CertificateInfo,
  ctx: SignerInfoContext,
): Promise<void> {
  const digestAlg = si.digestAlgorithm!;
  if (alg.family === 'rsa-pkcs1' && cert.publicKey.asymmetricKeyType === 'rsa') {
    let recovered: Buffer | undefined;
    try {
      recovered = publicDecrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, si.signature);
    } catch {
      recovered = undefined;
    }
    const digest = await digestOf(ctx.content, alg.hash);
    // RFC 8017 8.2.2 step 4: compare whole encodings, never parse the recovered DigestInfo leniently (trailing
    // data after it is the classic low-exponent forgery). Parameters NULL or absent (RFC 8017 A.2.4 note).
    const expected = [
      seq(seq(oid(DIGEST_OID_OF[alg.hash]), nul()), octets(digest)),
      seq(seq(oid(DIGEST_OID_OF[alg.hash])), octets(digest)),
    ];
    const prefixOf = (b: Buffer) => b.subarray(0, b.length - digest.length);
    if (recovered && expected.some((e) => e.equals(recovered)))
      return alg.hash === digestAlg
        ? undefined
        : v.note(`signature hash ${alg.hash} differs from the SignerInfo digestAlgorithm ${digestAlg}`);
    if (
      recovered &&
      expected.some((e) => e.length === recovered.length && prefixOf(e).equals(prefixOf(recovered)))
    )
      return v.fail(
        'TOTAL_FAILED',
        'HASH_FAILURE',
        'signed content digest does not match the signed byte ranges',
      );
    return v.fail(
      'TOTAL_FAILED',
      'SIG_CRYPTO_FAILURE',
      'signature value does not verify with the signer certificate',
    );
  }
  const ok = await verifyWithAlgorithm(alg, cert.publicKey, ctx.content, si.signature);
  if (typeof ok !== 'boolean') return v.fail('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', ok.unsupported);
  if (!ok)
    v.fail(
      'TOTAL_FAILED',
      'SIG_CRYPTO_FAILURE',
      'signature value does not verify over the signed bytes (no signed attributes)',
    );
}

/**
 * Signed attributes (RFC 5652 5.4, 11.1, 11.2): content-type names the signed content type, and message-digest is
 * the content's digest computed with the SignerInfo's digestAlgorithm, whatever hash the signature algorithm uses
 * over the attributes. Needs neither the certificate nor the signature algorithm, so a changed document is
 * reported as such even when the signature cannot be checked.
 */
async function checkContentAttributes(
  v: Verdict,
  si: ParsedSignerInfo,
  ctx: SignerInfoContext,
): Promise<void> {
  try {
    const ct = si.attributes.get(OID.contentType)?.[0];
    if (!ct || ct.tag !== 0x06 || decodeOid(ct) !== ctx.contentType)
      v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `content-type attribute is not ${ctx.contentType}`);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `malformed content-type attribute: ${err.message}`);
  }
  const md = si.attributes.get(OID.messageDigest)?.[0];
  const digest = await digestOf(ctx.content, si.digestAlgorithm!);
  if (!md || md.tag !== 0x04 || !Buffer.from(md.value).equals(digest))
    v.fail('TOTAL_FAILED', 'HASH_FAILURE', 'message-digest does not match the signed content');
}

/** The signature over the signed attributes as received, and the ESS signing-certificate attribute. */
async function verifyWithAttributes(
  v: Verdict,
  alg: SignatureAlgorithm,
  si: ParsedSignerInfo,
  cert: CertificateInfo,
): Promise<void> {
  const ok = await verifyWithAlgorithm(alg, cert.publicKey, inMemory(si.signedAttributes!), si.signature);
  if (typeof ok !== 'boolean') v.fail('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', ok.unsupported);
  else if (!ok)
    v.fail(
      'TOTAL_FAILED',
      'SIG_CRYPTO_FAILURE',
      'signature value does not verify with the signer certificate',
    );
  const ess = essCertMatches(si, cert);
  if (ess === false)
    v.fail(
      'INDETERMINATE',
      'NO_SIGNING_CERTIFICATE_FOUND',
      'signing-certificate attribute does not match the signer',
    );
}

/**
 * Verifies one SignerInfo of `sd` (RFC 5652 5.6): finds the signer certificate (RFC 5652 5.3, names per RFC 5280
 * 7.1), checks the message digest with the SignerInfo's digestAlgorithm, the signature value with the algorithm and
 * parameters the SignerInfo names, the ESS signing-certificate attribute and the crypto policy.
 * An algorithm this verifier does not implement, or that the policy refuses, is INDETERMINATE
 * (CRYPTO_CONSTRAINTS_FAILURE[_NO_POE], ETSI EN 319 102-1 5.2.8); TOTAL_FAILED is kept for a broken hash, a broken
 * signature value or a malformed structure. Never throws for bad signature data; read errors of the content do throw.
 */
export async function verifySignerInfo(
  sd: ParsedSignedData,
  si: ParsedSignerInfo,
  ctx: SignerInfoContext,
): Promise<SignerInfoResult> {
  const v = new Verdict();
  const result: SignerInfoResult = {
    verdict: v,
    digestAlgorithm: si.digestAlgorithm,
    hasSignedAttributes: !!si.signedAttributes,
  };
  if (!si.digestAlgorithm) {
    v.fail(
      'INDETERMINATE',
      'CRYPTO_CONSTRAINTS_FAILURE',
      `unsupported digest algorithm ${si.digestAlgorithmOid}`,
    );
    return result;
  }
  if (!si.signedAttributes && ctx.requireSignedAttributes) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', 'signed attributes are required but absent');
    return result;
  }
  if (si.signedAttributes) await checkContentAttributes(v, si, ctx);
  let alg: SignatureAlgorithm | { unsupported: string };
  try {
    alg = identifySignatureAlgorithm(
      si.signatureAlgorithmOid,
      si.signatureAlgorithmParams,
      si.digestAlgorithm,
    );
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `signature algorithm parameters: ${err.message}`);
    return result;
  }
  if ('unsupported' in alg) {
    v.fail('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', alg.unsupported);
    return result;
  }
  result.signatureAlgorithm = alg.name;
  const cert = findSignerCertificate(sd.certificates, si.sid);
  if (!cert) {
    v.fail('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'signer certificate is not in the CMS');
    return result;
  }
  result.cert = cert;
  try {
    if (si.signedAttributes) await verifyWithAttributes(v, alg, si, cert);
    else await verifyWithoutAttributes(v, alg, si, cert, ctx);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `malformed signed attribute: ${err.message}`);
  }
  const pairing = EDDSA_DIGEST[alg.family];
  if (pairing && si.signedAttributes && si.digestAlgorithm !== pairing)
    v.fail(
      'INDETERMINATE',
      'CRYPTO_CONSTRAINTS_FAILURE',
      `${alg.name} requires the ${pairing} message digest (RFC 8419 2.3), not ${si.digestAlgorithm}`,
    );
  const digests = 'hash' in alg ? [si.digestAlgorithm, alg.hash] : [si.digestAlgorithm];
  for (const f of checkCryptoConstraints(ctx.policy, { digests, key: cert.publicKey }, ctx.at, ctx.poe))
    v.add(f);
  return result;
}
