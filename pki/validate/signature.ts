import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { Oid } from '../oids';
import {
  children,
  encodingOf,
  isContext,
  oid,
  parseDer,
  sequence,
  smallInteger,
  type Block,
} from '../asn1/der';
import type { AlgorithmId } from './certificate';

const RSA_HASH: Record<string, string> = {
  [Oid.md5WithRSA]: 'md5',
  [Oid.sha1WithRSA]: 'sha1',
  [Oid.sha224WithRSA]: 'sha224',
  [Oid.sha256WithRSA]: 'sha256',
  [Oid.sha384WithRSA]: 'sha384',
  [Oid.sha512WithRSA]: 'sha512',
};
const DSA_ECDSA_HASH: Record<string, string> = {
  [Oid.ecdsaWithSha1]: 'sha1',
  [Oid.ecdsaWithSha224]: 'sha224',
  [Oid.ecdsaWithSha256]: 'sha256',
  [Oid.ecdsaWithSha384]: 'sha384',
  [Oid.ecdsaWithSha512]: 'sha512',
  [Oid.dsaWithSha1]: 'sha1',
  [Oid.dsaWithSha224]: 'sha224',
  [Oid.dsaWithSha256]: 'sha256',
};
const HASH_OIDS: Record<string, string> = {
  [Oid.sha1]: 'sha1',
  [Oid.sha224]: 'sha224',
  [Oid.sha256]: 'sha256',
  [Oid.sha384]: 'sha384',
  [Oid.sha512]: 'sha512',
};

/** A public key usable by node:crypto, plus the DSA domain parameters for inheritance (RFC 5280 6.1.4 (e)-(f)). */
export interface WorkingKey {
  key: KeyObject;
  algorithm: string;
  /** DER of the algorithm parameters in effect (DSA p, q, g may be inherited from the issuer). */
  params?: Uint8Array;
}

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function derSequence(...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return Buffer.concat([Uint8Array.of(0x30), derLength(body.length), body]);
}

/**
 * Imports a SubjectPublicKeyInfo. A DSA key without parameters takes `inherited` (RFC 5280 6.1.4 (f); PKITS 4.1.5).
 * Returns undefined when node cannot import the key (unknown algorithm, bad encoding).
 */
export function importPublicKey(spki: Uint8Array, inherited?: WorkingKey): WorkingKey | undefined {
  try {
    const [algBlock, keyBits] = sequence(parseDer(spki, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo');
    const [algOid, params] = sequence(algBlock, 'AlgorithmIdentifier');
    const algorithm = oid(algOid, 'algorithm');
    const isNullParams = params && encodingOf(params).length === 2 && encodingOf(params)[0] === 0x05;
    let der = spki;
    let effective = params && !isNullParams ? encodingOf(params) : undefined;
    if (algorithm === Oid.dsa && !effective) {
      if (!inherited || inherited.algorithm !== Oid.dsa || !inherited.params) return undefined;
      effective = inherited.params;
      der = derSequence(derSequence(encodingOf(algOid), inherited.params), encodingOf(keyBits));
    }
    const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    return { key, algorithm, params: effective };
  } catch {
    return undefined;
  }
}

function pssOptions(params: Uint8Array | undefined): { hash: string; saltLength: number } | undefined {
  let hash = 'sha1';
  let mgfHash = 'sha1';
  let saltLength = 20;
  if (params) {
    for (const item of sequence(parseDer(params, 'RSASSA-PSS-params'), 'RSASSA-PSS-params') as Block[]) {
      const inner = children(item, 'RSASSA-PSS-params field')[0];
      if (isContext(item, 0)) hash = HASH_OIDS[oid(sequence(inner, 'hashAlgorithm')[0], 'hash')] ?? '';
      else if (isContext(item, 1)) {
        const [mgf, mgfParams] = sequence(inner, 'maskGenAlgorithm');
        if (oid(mgf, 'mgf') !== Oid.mgf1) return undefined;
        mgfHash = HASH_OIDS[oid(sequence(mgfParams, 'mgf1 hash')[0], 'mgf1 hash')] ?? '';
      } else if (isContext(item, 2)) saltLength = smallInteger(inner, 'saltLength');
      else if (isContext(item, 3)) {
        if (smallInteger(inner, 'trailerField') !== 1) return undefined;
      }
    }
  }
  // node derives the MGF1 hash from the signature hash.
  if (!hash || hash !== mgfHash) return undefined;
  return { hash, saltLength };
}

/**
 * Verifies a signature over `data` (a TBSCertificate or TBSCertList) with node:crypto: RSA PKCS#1 v1.5, RSASSA-PSS,
 * ECDSA and DSA (RFC 5280 4.1.1.2, RFC 3279, RFC 4055, RFC 5758). Returns false for any unsupported or
 * inconsistent algorithm; never throws.
 */
export function verifySignature(
  algorithm: AlgorithmId,
  data: Uint8Array,
  signature: Uint8Array,
  key: WorkingKey,
): boolean {
  try {
    const keyType = key.key.asymmetricKeyType;
    const rsaHash = RSA_HASH[algorithm.oid];
    if (rsaHash) return keyType === 'rsa' && verify(rsaHash, data, key.key, signature);
    if (algorithm.oid === Oid.rsassaPss) {
      const pss = pssOptions(algorithm.params);
      if (!pss || (keyType !== 'rsa' && keyType !== 'rsa-pss')) return false;
      return verify(
        pss.hash,
        data,
        { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength },
        signature,
      );
    }
    const hash = DSA_ECDSA_HASH[algorithm.oid];
    if (!hash) return false;
    const isDsa =
      algorithm.oid.startsWith('1.2.840.10040') || algorithm.oid.startsWith('2.16.840.1.101.3.4.3');
    if (isDsa ? keyType !== 'dsa' : keyType !== 'ec') return false;
    return verify(hash, data, { key: key.key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
