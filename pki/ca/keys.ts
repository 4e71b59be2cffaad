import { createHash, generateKeyPair as nodeGenerateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Oid } from '../oids';

const generate = promisify(nodeGenerateKeyPair);

/** Key algorithms the CA issues (RFC 8017 RSA, RFC 5480 ECDSA P-256). */
export const KeyAlgorithmNames = ['rsa2048', 'rsa3072', 'p256'] as const;
export type KeyAlgorithmName = (typeof KeyAlgorithmNames)[number];

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Generates a key pair with node:crypto. */
export async function generateKeyPair(algorithm: KeyAlgorithmName): Promise<KeyPair> {
  if (algorithm === 'p256') return generate('ec', { namedCurve: 'P-256' });
  return generate('rsa', { modulusLength: algorithm === 'rsa3072' ? 3072 : 2048, publicExponent: 0x10001 });
}

/** SubjectPublicKeyInfo (RFC 5280 4.1.2.7) of a key, as pkijs structure. */
export function toPublicKeyInfo(publicKey: KeyObject): pkijs.PublicKeyInfo {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(der).result });
}

/** Key identifier, RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(spki: pkijs.PublicKeyInfo): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest());
}

/** Signature algorithm for a signing key: sha256/384WithRSAEncryption (NULL parameters) or ecdsa-with-SHA256/384. */
export function signatureAlgorithmFor(
  privateKey: KeyObject,
  hash: 'SHA-256' | 'SHA-384' = 'SHA-256',
): { algorithm: pkijs.AlgorithmIdentifier; nodeHash: string } {
  const type = privateKey.asymmetricKeyType;
  const nodeHash = hash === 'SHA-384' ? 'sha384' : 'sha256';
  if (type === 'rsa') {
    return {
      algorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: hash === 'SHA-384' ? Oid.sha384WithRSA : Oid.sha256WithRSA,
        algorithmParams: new asn1js.Null(),
      }),
      nodeHash,
    };
  }
  if (type === 'ec') {
    return {
      algorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: hash === 'SHA-384' ? Oid.ecdsaWithSha384 : Oid.ecdsaWithSha256,
      }),
      nodeHash,
    };
  }
  throw new Error(`unsupported signing key type: ${String(type)}`);
}
