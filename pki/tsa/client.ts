import type { DigestAlgorithm } from '../../pdf/core/source';
import { DerError } from '../../pdf/cms/der';
import { OID } from '../../pdf/cms/oids';
import { parseSignedData } from '../../pdf/cms/parse-signed-data';
import { parseTstInfo } from '../../pdf/cms/tst-info';
import { buildTimestampRequest } from './request';
import { PkiStatus, parseTimestampResponse } from './response';

/** A TSA that could not be reached or that refused, or a reply that does not answer the request. */
export class TimestampClientError extends Error {
  override readonly name = 'TimestampClientError';
  constructor(
    readonly code: 'TSA_UNREACHABLE' | 'TSA_REJECTED' | 'TSA_BAD_REPLY',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The HTTP transport (RFC 3161 3.4): `fetch`, injected so the library does no I/O of its own. */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: Uint8Array },
) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** A granted token and what it says. */
export interface FetchedTimestamp {
  token: Uint8Array;
  genTime: Date;
  serialHex: string;
}

/**
 * Asks the TSA at `url` for a time-stamp token over `digest` (RFC 3161 3.4, application/timestamp-query) and checks
 * the answer before anyone relies on it: status granted, a TSTInfo whose imprint is the digest sent and whose nonce
 * is the one sent (2.4.2). The token's signature and TSA certificate are checked by the verifier, not here.
 * @throws TimestampClientError TSA_UNREACHABLE, TSA_REJECTED (with the TSA's reason), TSA_BAD_REPLY.
 */
export async function fetchTimestamp(
  url: string,
  digest: Uint8Array,
  hash: DigestAlgorithm,
  fetchImpl: FetchLike,
): Promise<FetchedTimestamp> {
  const { der, nonce } = buildTimestampRequest(digest, hash);
  let body: Uint8Array;
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: der,
    });
    body = new Uint8Array(await res.arrayBuffer());
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${Buffer.from(body.subarray(0, 200)).toString()}`);
  } catch (err) {
    throw new TimestampClientError('TSA_UNREACHABLE', `TSA ${url}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const reply = parseTimestampResponse(body);
    if (reply.status !== PkiStatus.granted && reply.status !== PkiStatus.grantedWithMods)
      throw new TimestampClientError(
        'TSA_REJECTED',
        `TSA refused (status ${reply.status}${reply.failure ? `, ${reply.failure}` : ''}): ${reply.statusText.join('; ')}`,
      );
    if (!reply.token) throw new DerError('granted without a token');
    const sd = parseSignedData(reply.token);
    if (sd.contentType !== OID.tstInfo || !sd.encapsulatedContent)
      throw new DerError('token is not a TSTInfo');
    const tst = parseTstInfo(sd.encapsulatedContent);
    if (!Buffer.from(tst.imprint).equals(Buffer.from(digest)))
      throw new DerError('the token does not time-stamp the digest sent');
    if (
      tst.nonceHex !==
      Buffer.from(nonce)
        .toString('hex')
        .replace(/^(00)+(?=.)/, '')
    )
      throw new DerError('the token does not echo the nonce sent');
    return { token: reply.token, genTime: tst.genTime, serialHex: tst.serialHex };
  } catch (err) {
    if (err instanceof DerError)
      throw new TimestampClientError('TSA_BAD_REPLY', `TSA ${url}: ${err.message}`, { cause: err });
    throw err;
  }
}
