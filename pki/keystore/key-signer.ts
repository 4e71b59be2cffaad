import { constants, sign, type KeyObject } from 'node:crypto';
import type { Signer } from '../signer';

/**
 * A {@link Signer} over an in-memory node `KeyObject` (already decrypted). RSA signs PKCS#1 v1.5 (RFC 8017 8.2) or
 * PSS with salt length = hash length (RFC 8017 8.1); ECDSA returns the DER `ECDSA-Sig-Value` (RFC 5480 / RFC 3279).
 *
 * @throws Error when the key is neither RSA nor EC.
 */
export function createKeySigner(privateKey: KeyObject, chain: readonly Uint8Array[]): Signer {
  const type = privateKey.asymmetricKeyType;
  if (privateKey.type !== 'private' || (type !== 'rsa' && type !== 'ec')) {
    throw new Error('createKeySigner: an RSA or EC private key is required');
  }
  const certs = chain.map((c) => new Uint8Array(c));
  return {
    keyAlgorithm: type === 'rsa' ? 'RSA' : 'ECDSA',
    certificateChain: () => Promise.resolve(certs.map((c) => new Uint8Array(c))),
    sign: (data, options) => {
      const hash = options.hash === 'SHA-384' ? 'sha384' : 'sha256';
      if (type === 'rsa' && options.scheme === 'pss') {
        return Promise.resolve(
          new Uint8Array(
            sign(hash, data, {
              key: privateKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: options.hash === 'SHA-384' ? 48 : 32,
            }),
          ),
        );
      }
      if (type === 'ec' && options.scheme === 'pss') {
        return Promise.reject(new Error('PSS is an RSA scheme; ECDSA keys sign with ECDSA'));
      }
      return Promise.resolve(new Uint8Array(sign(hash, data, { key: privateKey, dsaEncoding: 'der' })));
    },
  };
}
