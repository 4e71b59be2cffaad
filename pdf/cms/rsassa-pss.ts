import { type KeyObject, constants, createHash, createPublicKey, publicDecrypt } from 'node:crypto';
import { type DigestAlgorithm, nodeHashName } from '../core/source';
import { children, expectTag, nul, oid, readDer, seq } from './der';
import { OID } from './oids';

/** RSASSA-PSS parameters as RFC 4055 3.1 defines them (trailerField is always 1 here). */
export interface PssParameters {
  hash: DigestAlgorithm;
  mgf1Hash: DigestAlgorithm;
  saltLength: number;
}

/** MGF1 (RFC 8017 B.2.1). */
function mgf1(seed: Uint8Array, length: number, hash: DigestAlgorithm): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (let counter = 0; size < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(nodeHashName(hash)).update(seed).update(c).digest();
    out.push(block);
    size += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/**
 * The same RSA public key as a plain rsaEncryption key: node:crypto refuses the raw RSA operation on an id-RSASSA-PSS
 * key, and the RSAPublicKey inside the SubjectPublicKeyInfo is identical (RFC 4055 1.2).
 */
function plainRsaKey(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType === 'rsa') return key;
  const spki = readDer(key.export({ type: 'spki', format: 'der' }), 0);
  const bits = expectTag(children(spki)[1], 0x03, 'subjectPublicKey');
  return createPublicKey({
    key: seq(seq(oid(OID.rsaEncryption), nul()), bits.raw),
    format: 'der',
    type: 'spki',
  });
}

/** {@link pssVerifyDigest} over content streamed into the PSS hash. */
export async function emsaPssVerify(
  key: KeyObject,
  params: PssParameters,
  content: () => AsyncIterable<Uint8Array>,
  signature: Uint8Array,
): Promise<boolean> {
  const h = createHash(nodeHashName(params.hash));
  for await (const c of content()) h.update(c);
  return pssVerifyDigest(key, params, h.digest(), signature);
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 8.1.2 and EMSA-PSS-VERIFY 9.1.2) of a message hash `mHash`, with the hash, MGF1 hash
 * and salt length the signature names, which node:crypto's verify cannot take separately (it ties MGF1 to the
 * message hash). Returns false for any inconsistency.
 */
export function pssVerifyDigest(
  key: KeyObject,
  params: PssParameters,
  mHash: Uint8Array,
  signature: Uint8Array,
): boolean {
  const rsa = plainRsaKey(key);
  const modBits = rsa.asymmetricKeyDetails?.modulusLength ?? 0;
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) return false;
  let em: Buffer;
  try {
    em = publicDecrypt({ key: rsa, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (em.length > emLen) {
    if (em.subarray(0, em.length - emLen).some((b) => b !== 0)) return false;
    em = em.subarray(em.length - emLen);
  }
  const hLen = mHash.length;
  const sLen = params.saltLength;
  if (emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const hh = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((maskedDb[0]! & ~topMask) !== 0) return false;
  const db = mgf1(hh, maskedDb.length, params.mgf1Hash).map((m, i) => m ^ maskedDb[i]!);
  db[0] = db[0]! & topMask;
  const psLen = emLen - hLen - sLen - 2;
  if (db.subarray(0, psLen).some((b) => b !== 0) || db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  const h2 = createHash(nodeHashName(params.hash))
    .update(Buffer.alloc(8))
    .update(mHash)
    .update(salt)
    .digest();
  return h2.equals(hh);
}
