import { randomBytes } from 'node:crypto';
import type { DigestAlgorithm } from '../../pdf/core/source';
import {
  type Der,
  DerError,
  children,
  decodeOid,
  expectTag,
  int,
  octets,
  oid,
  readDer,
  seq,
  tlv,
} from '../../pdf/cms/der';
import { DIGEST_OIDS, DIGEST_OID_OF } from '../../pdf/cms/oids';

/** A parsed TimeStampReq (RFC 3161 2.4.1). */
export interface TimestampRequest {
  version: number;
  /** messageImprint: the hash algorithm OID, its name when known here, and the hashed message. */
  hashAlgorithmOid: string;
  hashAlgorithm?: DigestAlgorithm;
  hashedMessage: Uint8Array;
  /** reqPolicy, when the requester asks for a TSA policy. */
  reqPolicy?: string;
  /** nonce as the INTEGER's content octets (two's complement, echoed as is). */
  nonce?: Uint8Array;
  certReq: boolean;
  /** Whether the request carries extensions (none is supported here). */
  hasExtensions: boolean;
}

/** Thrown for bytes that are not a TimeStampReq at all (the HTTP edge answers problem+json, not a TSA reply). */
export class TimestampRequestError extends Error {
  override readonly name = 'TimestampRequestError';
  readonly code = 'BAD_TIMESTAMP_REQUEST';
}

function integerContent(d: Der | undefined, what: string): Uint8Array {
  const v = expectTag(d, 0x02, what).value;
  if (v.length === 0) throw new DerError(`empty ${what}`);
  return v;
}

/**
 * Parses the DER of a TimeStampReq (RFC 3161 2.4.1). Structure only: whether the TSA accepts the algorithm, policy
 * or extensions is decided by the authority, which answers those with a rejection status.
 * @throws TimestampRequestError when the bytes are not a DER TimeStampReq.
 */
export function parseTimestampRequest(der: Uint8Array): TimestampRequest {
  try {
    const top = readDer(der, 0);
    if (top.end !== der.length) throw new DerError('data after TimeStampReq');
    const f = children(expectTag(top, 0x30, 'TimeStampReq'));
    const version = integerContent(f[0], 'version');
    const [alg, hashed, ...rest] = children(expectTag(f[1], 0x30, 'messageImprint'));
    if (rest.length) throw new DerError('messageImprint has extra fields');
    const hashAlgorithmOid = decodeOid(children(expectTag(alg, 0x30, 'hashAlgorithm'))[0]!);
    const req: TimestampRequest = {
      version: version.length === 1 ? version[0]! : -1,
      hashAlgorithmOid,
      hashAlgorithm: DIGEST_OIDS[hashAlgorithmOid],
      hashedMessage: expectTag(hashed, 0x04, 'hashedMessage').value,
      certReq: false,
      hasExtensions: false,
    };
    let i = 2;
    if (f[i]?.tag === 0x06) req.reqPolicy = decodeOid(f[i++]!);
    if (f[i]?.tag === 0x02) req.nonce = integerContent(f[i++], 'nonce');
    if (f[i]?.tag === 0x01) {
      const b = expectTag(f[i++], 0x01, 'certReq').value;
      if (b.length !== 1) throw new DerError('bad certReq');
      req.certReq = b[0] !== 0;
    }
    if (f[i]?.tag === 0xa0) {
      req.hasExtensions = true;
      i++;
    }
    if (i !== f.length) throw new DerError('unexpected field in TimeStampReq');
    return req;
  } catch (err) {
    if (err instanceof DerError) throw new TimestampRequestError(`not a TimeStampReq: ${err.message}`);
    throw err;
  }
}

/**
 * Builds a TimeStampReq (RFC 3161 2.4.1) for `digest` with a fresh 64-bit nonce and certReq TRUE (the token then
 * carries the TSA certificate, so it verifies offline from the trust anchors). Returns the DER and the nonce.
 */
export function buildTimestampRequest(
  digest: Uint8Array,
  hash: DigestAlgorithm,
  options: { policy?: string; nonce?: Uint8Array } = {},
): { der: Buffer; nonce: Uint8Array } {
  const nonce = options.nonce ?? positive(randomBytes(8));
  const der = seq(
    int(1),
    seq(seq(oid(DIGEST_OID_OF[hash])), octets(digest)),
    ...(options.policy ? [oid(options.policy)] : []),
    int(nonce),
    tlv(0x01, Uint8Array.of(0xff)),
  );
  return { der, nonce };
}

/** A positive INTEGER content: a leading zero octet when the high bit is set (X.690 8.3). */
export function positive(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && !(bytes[i + 1]! & 0x80)) i++;
  const b = bytes.subarray(i);
  return b[0]! & 0x80 ? Uint8Array.from([0, ...b]) : b;
}
