import { type Der, DerError, children, decodeOid, expectTag, parseDerLeading } from './der';
import { type CmsDigestAlgorithm, cmsDigestAlgorithm } from './digests';
import { OID } from './oids';

/** SignerIdentifier (RFC 5652 5.3): issuer and serial number, or the subjectKeyIdentifier ([0] IMPLICIT). */
export type SignerIdentifier =
  { kind: 'issuerSerial'; issuerRaw: Uint8Array; serial: Uint8Array } | { kind: 'ski'; ski: Uint8Array };

/** One SignerInfo (RFC 5652 5.3) with the raw pieces verification needs. */
export interface ParsedSignerInfo {
  sid: SignerIdentifier;
  /** Digest algorithm named by the SignerInfo; undefined when this implementation does not know it. */
  digestAlgorithm?: CmsDigestAlgorithm;
  digestAlgorithmOid: string;
  /**
   * The signed attributes exactly as received with the [0] tag replaced by SET OF (RFC 5652 5.4: that is what was
   * signed). Never re-encoded, so a signer's non-DER ordering is verified as the signer produced it.
   */
  signedAttributes?: Uint8Array;
  /** Signed attribute values by type OID. */
  attributes: Map<string, Der[]>;
  /** Unsigned attribute values by type OID (RFC 5652 5.3 unsignedAttrs), e.g. signature time-stamp tokens. */
  unsignedAttributes: Map<string, Der[]>;
  signatureAlgorithmOid: string;
  signatureAlgorithmParams?: Der;
  signature: Uint8Array;
}

/** A parsed ContentInfo holding SignedData (RFC 5652 5.1), with its first SignerInfo's fields flattened in. */
export interface ParsedSignedData extends ParsedSignerInfo {
  signerInfoCount: number;
  signerInfos: ParsedSignerInfo[];
  certificates: Uint8Array[];
  /** eContentType of the EncapsulatedContentInfo (id-data for PDF signatures, id-ct-TSTInfo for time-stamps). */
  contentType: string;
  hasEncapsulatedContent: boolean;
  /** eContent octets when encapsulated (a time-stamp token's TSTInfo DER). */
  encapsulatedContent?: Uint8Array;
  /** Bytes other than zero padding after the ContentInfo (ignored, as BouncyCastle, asn1crypto and NSS do). */
  trailingBytes: number;
}

/**
 * Signed attributes that RFC 5652 11.1-11.3 and RFC 5035 5.4 allow once only, with one value: a second one would make
 * what was signed ambiguous. Other attribute types (a signing application's own, such as OpenLimit's
 * 1.3.6.1.4.1.22883.1) may repeat; their values are merged.
 */
const SINGLE_SIGNED_ATTRIBUTES = new Set<string>([
  OID.contentType,
  OID.messageDigest,
  OID.signingTime,
  OID.signingCertificate,
  OID.signingCertificateV2,
]);

/**
 * Attributes by type. A signed content-type, message-digest, signing-time or ESS signing-certificate appearing twice
 * is refused ({@link SINGLE_SIGNED_ATTRIBUTES}). Attributes of other types are merged: several signature time-stamps
 * may each arrive as their own Attribute (ETSI EN 319 122-1 5.3).
 */
function attributeMap(set: Der, kind: 'signed' | 'unsigned'): Map<string, Der[]> {
  const out = new Map<string, Der[]>();
  for (const a of children(set)) {
    const [type, values] = children(expectTag(a, 0x30, 'Attribute'));
    const t = decodeOid(type!);
    const list = children(expectTag(values, 0x31, 'AttributeValues'));
    const seen = out.get(t);
    if (seen && kind === 'signed' && SINGLE_SIGNED_ATTRIBUTES.has(t))
      throw new DerError(`duplicate signed attribute ${t}`);
    out.set(t, [...(seen ?? []), ...list]);
  }
  return out;
}

function parseSignerIdentifier(d: Der | undefined): SignerIdentifier {
  if (d?.tag === 0x30) {
    const [issuer, serial] = children(d);
    return {
      kind: 'issuerSerial',
      issuerRaw: expectTag(issuer, 0x30, 'issuer').raw,
      serial: expectTag(serial, 0x02, 'serial').value,
    };
  }
  if (d?.tag === 0x80) return { kind: 'ski', ski: d.value };
  throw new DerError('bad SignerIdentifier');
}

/** Parses one SignerInfo (RFC 5652 5.3). Throws {@link DerError} on a malformed structure. */
export function parseSignerInfo(d: Der): ParsedSignerInfo {
  const si = children(expectTag(d, 0x30, 'SignerInfo'));
  let j = 1;
  const sid = parseSignerIdentifier(si[j++]);
  const digestAlgId = expectTag(si[j++], 0x30, 'digestAlgorithm');
  const digestOid = decodeOid(children(digestAlgId)[0]!);
  let signedAttributes: Uint8Array | undefined;
  let attributes = new Map<string, Der[]>();
  if (si[j]?.tag === 0xa0) {
    const raw = Buffer.from(si[j]!.raw);
    raw[0] = 0x31;
    signedAttributes = raw;
    attributes = attributeMap(si[j]!, 'signed');
    j++;
  }
  const sigAlg = children(expectTag(si[j++], 0x30, 'signatureAlgorithm'));
  const signature = expectTag(si[j++], 0x04, 'signature').value;
  const unsignedAttributes =
    si[j]?.tag === 0xa1 ? attributeMap(si[j++]!, 'unsigned') : new Map<string, Der[]>();
  if (j < si.length) throw new DerError('unexpected data after SignerInfo');
  return {
    sid,
    digestAlgorithm: cmsDigestAlgorithm(digestAlgId),
    digestAlgorithmOid: digestOid,
    signedAttributes,
    attributes,
    unsignedAttributes,
    signatureAlgorithmOid: decodeOid(sigAlg[0]!),
    signatureAlgorithmParams: sigAlg[1],
    signature,
  };
}

/** Concatenated content octets of an OCTET STRING, primitive or (BER) constructed. */
function octetContent(d: Der): Uint8Array {
  if (d.tag === 0x04) return d.value;
  if (d.tag === 0x24) return Buffer.concat(children(d).map(octetContent));
  throw new DerError('expected OCTET STRING eContent');
}

/**
 * Parses a ContentInfo holding SignedData (RFC 5652 5.1) with all its SignerInfos. What follows the ContentInfo is
 * not part of it and is only counted (`trailingBytes`): in a PDF /Contents it is outside both the ByteRange and the
 * CMS, so it can change nothing that is verified. Throws {@link DerError} when the structure is not CMS SignedData.
 */
export function parseSignedData(bytes: Uint8Array): ParsedSignedData {
  const { der, trailing } = parseDerLeading(bytes);
  const ci = children(expectTag(der, 0x30, 'ContentInfo'));
  if (decodeOid(ci[0]!) !== OID.signedData) throw new DerError('contentType is not signedData');
  const sd = children(expectTag(children(expectTag(ci[1], 0xa0, '[0] content'))[0], 0x30, 'SignedData'));
  let i = 2;
  const encap = children(expectTag(sd[i++], 0x30, 'EncapsulatedContentInfo'));
  const contentType = decodeOid(encap[0]!);
  const eContent = encap[1]
    ? octetContent(children(expectTag(encap[1], 0xa0, '[0] eContent'))[0]!)
    : undefined;
  const certificates: Uint8Array[] = [];
  if (sd[i]?.tag === 0xa0) {
    for (const c of children(sd[i]!)) if (c.tag === 0x30) certificates.push(c.raw);
    i++;
  }
  if (sd[i]?.tag === 0xa1) i++;
  const infos = children(expectTag(sd[i], 0x31, 'signerInfos')).map(parseSignerInfo);
  if (infos.length === 0) throw new DerError('no SignerInfo');
  return {
    ...infos[0]!,
    signerInfoCount: infos.length,
    signerInfos: infos,
    certificates,
    contentType,
    hasEncapsulatedContent: eContent !== undefined,
    encapsulatedContent: eContent,
    trailingBytes: trailing,
  };
}
