import { type Hash, createHash } from 'node:crypto';
import { type DigestAlgorithm, nodeHashName } from '../core/source';
import { type Der, children, decodeOid, readDer } from './der';
import { DIGEST_OIDS } from './oids';

/**
 * Digest algorithms a SignerInfo may name: the SHA family PDF signing uses, plus SHAKE256 with 512 bits of output,
 * which RFC 8419 2.3 prescribes for the message digest of Ed448 signatures.
 */
export type CmsDigestAlgorithm = DigestAlgorithm | 'SHAKE256';

const SHAKE256 = '2.16.840.1.101.3.4.2.12';
const SHAKE256_LEN = '2.16.840.1.101.3.4.2.18';

/**
 * The digest algorithm of an AlgorithmIdentifier, or undefined when not implemented. id-shake256 (RFC 8419 2.3, as
 * corrected by erratum 5869) and id-shake256-len with a 512-bit output length both mean SHAKE256-512.
 */
export function cmsDigestAlgorithm(algId: Der): CmsDigestAlgorithm | undefined {
  const [o, params] = children(algId);
  const type = decodeOid(o!);
  if (type === SHAKE256) return 'SHAKE256';
  if (type === SHAKE256_LEN) {
    const bits = params?.tag === 0x02 ? readDer(params.raw, 0).value : undefined;
    return bits?.length === 2 && bits[0] === 0x02 && bits[1] === 0x00 ? 'SHAKE256' : undefined;
  }
  return DIGEST_OIDS[type];
}

/** A node:crypto Hash for a CMS digest algorithm. */
export function cmsHash(alg: CmsDigestAlgorithm): Hash {
  return alg === 'SHAKE256' ? createHash('shake256', { outputLength: 64 }) : createHash(nodeHashName(alg));
}
