import { createHash } from 'node:crypto';
import { parseCertificate } from '../pdf/cms/certificate';
import { DerError } from '../pdf/cms/der';
import { OID } from '../pdf/cms/oids';
import { type ParsedSignedData, parseSignedData } from '../pdf/cms/parse-signed-data';
import { inMemory } from '../pdf/cms/signature-algorithms';
import { parseTstInfo } from '../pdf/cms/tst-info';
import { buildSignedAttributes, buildSignedData } from '../pdf/cms/signed-data';
import { addSignatureTimestamp, type TimestampTokenSource } from '../pdf/sign/signature-timestamp';
import { checkCertificatePath } from '../pdf/verify/certificate-path';
import { DEFAULT_CRYPTO_POLICY } from '../pdf/verify/crypto-policy';
import { verifySignerInfo } from '../pdf/verify/signer-info';
import { verifyTimestampToken } from '../pdf/verify/timestamps';
import type { Verdict } from '../pdf/verify/verdict';
import type { Signer } from '../pki/signer';

/**
 * The bundle's signature: a detached CMS SignedData (CAdES baseline B, RFC 5652) over the ASiC manifest's bytes,
 * with a signature time-stamp (id-aa-signatureTimeStampToken, CAdES B-T) when a TSA is given. The same shape
 * `openssl cms -verify -binary -inform DER -content ASiCManifest.xml` checks.
 */

/** Signs `content`; `timestamp` (optional) is asked for a token over the signature value. */
export async function signDetached(
  content: Uint8Array,
  signer: Signer,
  timestamp?: TimestampTokenSource,
): Promise<Uint8Array> {
  const chain = await signer.certificateChain();
  const cert = parseCertificate(chain[0]!);
  const digest = createHash('sha256').update(content).digest();
  const signedAttributes = buildSignedAttributes(digest, cert);
  const signature = await signer.sign(signedAttributes, { hash: 'SHA-256' });
  const cms = buildSignedData({
    signedAttributes,
    signature,
    scheme: { keyAlgorithm: signer.keyAlgorithm, hash: 'SHA-256' },
    signer: cert,
    certificates: chain,
  });
  if (!timestamp) return cms;
  const token = await timestamp(createHash('sha256').update(signature).digest(), 'SHA-256');
  return addSignatureTimestamp(cms, token);
}

/** The genTime a time-stamp token claims, before it is verified; undefined when it cannot be read. */
function genTimeOf(token: Uint8Array): Date | undefined {
  try {
    const content = parseSignedData(token).encapsulatedContent;
    return content ? parseTstInfo(content).genTime : undefined;
  } catch {
    return undefined;
  }
}

export interface DetachedSignatureReport {
  valid: boolean;
  signer?: string;
  /** Whether the signed message-digest attribute is the content's SHA-256 (false: the content was changed). */
  contentMatches?: boolean;
  /** genTime of a valid signature time-stamp: the manifest existed then. */
  timestampedAt?: string;
  timestamp?: { valid: boolean; tsa?: string; messages: string[] };
  messages: string[];
}

export interface DetachedVerifyOptions {
  anchors: Uint8Array[];
  crls?: Uint8Array[];
  at: Date;
}

/**
 * Verifies a detached CMS signature over `content`: one SignerInfo with signed attributes whose message digest is
 * the content's, its signature value, the signer's path to `anchors` (revocation checked when CRLs are given) and
 * any signature time-stamp, which also serves as proof of existence for the path check.
 */
export async function verifyDetached(
  cms: Uint8Array,
  content: Uint8Array,
  opts: DetachedVerifyOptions,
): Promise<DetachedSignatureReport> {
  let sd: ParsedSignedData;
  try {
    sd = parseSignedData(cms);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    return { valid: false, messages: [`not a CMS SignedData: ${err.message}`] };
  }
  if (sd.hasEncapsulatedContent)
    return { valid: false, messages: ['the signature encapsulates content; a detached one is expected'] };
  if (sd.signerInfoCount !== 1)
    return { valid: false, messages: [`${sd.signerInfoCount} SignerInfos; one is expected`] };
  const trust = {
    anchors: opts.anchors,
    crls: opts.crls,
    at: opts.at,
    revocation: opts.crls && opts.crls.length > 0 ? ('require' as const) : ('none' as const),
    policy: DEFAULT_CRYPTO_POLICY,
  };
  const report: DetachedSignatureReport = { valid: false, messages: [] };
  const signedDigest = sd.attributes.get(OID.messageDigest)?.[0]?.value;
  if (signedDigest && sd.digestAlgorithm === 'SHA-256')
    report.contentMatches = createHash('sha256').update(content).digest().equals(Buffer.from(signedDigest));
  let poe: Date | undefined;
  const tokens = sd.unsignedAttributes.get(OID.signatureTimeStampToken) ?? [];
  for (const token of tokens) {
    // A bundle is checked years later: the time-stamp and the signer are judged at the token's genTime, with the
    // CRLs bundled then (past signature validation); a genTime after the validation time is not trusted.
    const genTime = genTimeOf(token.raw);
    const when = genTime && genTime.getTime() <= opts.at.getTime() ? genTime : opts.at;
    const ts = await verifyTimestampToken(token.raw, inMemory(sd.signature), { ...trust, at: when });
    report.timestamp = { valid: ts.report.valid, tsa: ts.report.tsa, messages: ts.report.messages };
    if (ts.report.valid && ts.genTime) {
      poe = ts.genTime;
      report.timestampedAt = ts.genTime.toISOString();
    }
  }
  const at = poe ?? opts.at;
  const r = await verifySignerInfo(sd, sd, {
    content: inMemory(content),
    contentType: OID.data,
    requireSignedAttributes: true,
    policy: DEFAULT_CRYPTO_POLICY,
    at,
    poe,
  });
  const v: Verdict = r.verdict;
  if (r.cert) {
    report.signer = r.cert.subject;
    await checkCertificatePath(v, r.cert, sd.certificates, undefined, { ...trust, at }, poe);
  } else v.fail('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'the signer certificate is not in the CMS');
  if (report.timestamp && !report.timestamp.valid)
    v.fail('INDETERMINATE', 'FORMAT_FAILURE', 'the signature time-stamp is not valid');
  report.valid = v.passed;
  report.messages = v.messages;
  return report;
}
