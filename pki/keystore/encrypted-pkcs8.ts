import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Signer } from '../signer';
import { KeystoreError } from './errors';
import { createKeySigner } from './key-signer';

/**
 * Encrypts a private key at rest as PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 3) with PBES2 (RFC 8018 6.2):
 * PBKDF2-HMAC-SHA256 and AES-256-CBC, as produced by OpenSSL 3 through node:crypto.
 */
export function encryptPrivateKey(privateKey: KeyObject, passphrase: string): Uint8Array {
  if (!passphrase)
    throw new KeystoreError('BAD_PASSPHRASE_FORMAT', 'an empty passphrase cannot protect a key');
  return new Uint8Array(
    privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase }),
  );
}

/**
 * Decrypts an EncryptedPrivateKeyInfo DER.
 *
 * @throws KeystoreError `KEY_DECRYPT_FAILED` on a wrong passphrase or damaged data (no detail that could leak key
 * material).
 */
export function decryptPrivateKey(der: Uint8Array, passphrase: string): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8', passphrase });
  } catch (err) {
    throw new KeystoreError(
      'KEY_DECRYPT_FAILED',
      'cannot decrypt the private key (wrong passphrase or damaged file)',
      {
        cause: err instanceof Error ? err.name : undefined,
      },
    );
  }
}

/**
 * A {@link Signer} over an encrypted PKCS#8 key held in memory; `chain` is the signer certificate first, then its
 * issuers (DER).
 *
 * @throws KeystoreError `KEY_DECRYPT_FAILED`.
 */
export function signerFromEncryptedPkcs8(
  der: Uint8Array,
  passphrase: string,
  chain: readonly Uint8Array[],
): Signer {
  return createKeySigner(decryptPrivateKey(der, passphrase), chain);
}

export interface FileSignerOptions {
  /** Path of the EncryptedPrivateKeyInfo DER file. */
  keyFile: string;
  passphrase: string;
  /** DER certificate files: signer first, then issuers. */
  chainFiles: readonly string[];
}

/**
 * The "encrypted file on the server" key backend: reads the key and chain once and returns a {@link Signer}.
 *
 * @throws KeystoreError `KEY_DECRYPT_FAILED`; node's file errors when a file is unreadable.
 */
export async function createFileSigner(options: FileSignerOptions): Promise<Signer> {
  const der = new Uint8Array(await readFile(options.keyFile));
  const chain = await Promise.all(options.chainFiles.map(async (f) => new Uint8Array(await readFile(f))));
  return signerFromEncryptedPkcs8(der, options.passphrase, chain);
}
