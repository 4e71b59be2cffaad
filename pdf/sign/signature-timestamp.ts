import { createHash } from 'node:crypto';
import { PdfError } from '../core/errors';
import { type DigestAlgorithm, nodeHashName } from '../core/source';
import { parseCertificate } from '../cms/certificate';
import { DerError, children, expectTag, oid, readDer, seq, set, tlv } from '../cms/der';
import { OID } from '../cms/oids';
import { buildSignedData, ecdsaRawToDer } from '../cms/signed-data';
import type { PreparedSignatureState } from './prepare';

/**
 * Obtains an RFC 3161 time-stamp token over `digest` (the caller's TSA: the province's own `POST /tsa` or an external
 * one). Injected, so the PDF library does no network I/O itself.
 */
export type TimestampTokenSource = (digest: Uint8Array, hash: DigestAlgorithm) => Promise<Uint8Array>;

/**
 * Bytes reserved in /Contents for a signature time-stamp token (TSTInfo, TSA signature, TSA certificate chain): the
 * province TSA's is about 3 KB with its two certificates; the rest is room for an external TSA's longer chain.
 */
export const SIGNATURE_TIMESTAMP_RESERVE = 8192;

/**
 * Adds a signature time-stamp (id-aa-signatureTimeStampToken, RFC 3161 Appendix A; ETSI EN 319 122-1 5.3) as an
 * unsigned attribute of the CMS's single SignerInfo, keeping every other byte's meaning: the signed attributes and
 * signature value are untouched, so the signature still verifies. Existing unsigned attributes are kept.
 * @throws PdfError SIGNATURE_MISMATCH when `cms` is not a SignedData with exactly one SignerInfo.
 */
export function addSignatureTimestamp(cms: Uint8Array, token: Uint8Array): Buffer {
  try {
    const [type, wrapped] = children(expectTag(readDer(cms), 0x30, 'ContentInfo'));
    const sd = children(expectTag(children(expectTag(wrapped, 0xa0, '[0] content'))[0], 0x30, 'SignedData'));
    const infos = children(expectTag(sd[sd.length - 1], 0x31, 'signerInfos'));
    if (infos.length !== 1) throw new DerError(`${infos.length} SignerInfos`);
    const si = children(expectTag(infos[0], 0x30, 'SignerInfo'));
    const attr = seq(oid(OID.signatureTimeStampToken), set(token));
    const last = si[si.length - 1]!;
    // unsignedAttrs [1] IMPLICIT SET OF Attribute, always the last field of a SignerInfo (RFC 5652 5.3).
    const kept = last.tag === 0xa1 ? children(last).map((a) => a.raw) : [];
    const fields = (last.tag === 0xa1 ? si.slice(0, -1) : si).map((f) => f.raw);
    const unsigned = tlv(
      0xa1,
      ...[...kept, attr].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    const signerInfo = seq(...fields, unsigned);
    const signedData = seq(...sd.slice(0, -1).map((f) => f.raw), set(signerInfo));
    return seq(type!.raw, tlv(0xa0, signedData));
  } catch (err) {
    if (err instanceof DerError)
      throw new PdfError('SIGNATURE_MISMATCH', `not a CMS SignedData: ${err.message}`);
    throw err;
  }
}

/**
 * The CMS for a prepared signature (see `prepareSignature`) with a signature time-stamp over its signature value:
 * PAdES B-T (ETSI EN 319 142-1 5.3). The token is fetched after the signature value exists, so deferred (token)
 * signing reaches B-T the same way. Pass the result to `completeSignature` as `{ cms }`, which checks it.
 */
export async function timestampedCms(
  state: PreparedSignatureState,
  signatureValue: Uint8Array,
  source: TimestampTokenSource,
  hash: DigestAlgorithm = 'SHA-256',
): Promise<Buffer> {
  const chain = state.certificateChain.map((c) => Buffer.from(c, 'base64'));
  let value: Uint8Array = signatureValue;
  if (state.scheme.keyAlgorithm === 'ECDSA' && value[0] !== 0x30) value = ecdsaRawToDer(value);
  const cms = buildSignedData({
    signedAttributes: Buffer.from(state.signedAttributes, 'base64'),
    signature: value,
    scheme: state.scheme,
    signer: parseCertificate(chain[0]!),
    certificates: chain,
  });
  const token = await source(createHash(nodeHashName(hash)).update(value).digest(), hash);
  return addSignatureTimestamp(cms, token);
}
