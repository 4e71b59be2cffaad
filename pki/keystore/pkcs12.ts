import { createPrivateKey, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkijsEngine } from '../engine';
import { encryptPrivateKey } from './encrypted-pkcs8';
import { KeystoreError } from './errors';

const KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const X509_CERT = '1.2.840.113549.1.9.22.1';
const ITERATIONS = 2048;
const MAC_ITERATIONS = 2048;

function passwordBytes(passphrase: string): ArrayBuffer {
  // pkijs widens each password byte to a BMPString character for the PKCS#12 MAC key (RFC 7292 B.1): only
  // printable ASCII gives the same bytes as OpenSSL's UTF-8 → BMPString conversion.
  if (!/^[\x20-\x7e]+$/.test(passphrase)) {
    throw new KeystoreError('BAD_PASSPHRASE_FORMAT', 'PKCS#12 passphrases must be non-empty printable ASCII');
  }
  return new Uint8Array(Buffer.from(passphrase, 'latin1')).buffer;
}

/**
 * Exports a key and its chain as PKCS#12 (RFC 7292): the key as a PKCS8ShroudedKeyBag and the certificates in an
 * encrypted SafeContents, both PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), with an HMAC-SHA-256 MAC. Readable by
 * `openssl pkcs12` (OpenSSL 1.1.1+ and 3.x).
 *
 * @throws KeystoreError `BAD_PASSPHRASE_FORMAT` for non-ASCII passphrases.
 */
export async function exportPkcs12(
  privateKey: KeyObject,
  chain: readonly Uint8Array[],
  passphrase: string,
): Promise<Uint8Array> {
  ensurePkijsEngine();
  const password = passwordBytes(passphrase);
  const shrouded = encryptPrivateKey(privateKey, passphrase);
  const keyBag = new pkijs.SafeBag({
    bagId: KEY_BAG,
    bagValue: new pkijs.PKCS8ShroudedKeyBag({ schema: asn1js.fromBER(shrouded).result }),
  });
  const certBags = chain.map(
    (der) =>
      new pkijs.SafeBag({
        bagId: CERT_BAG,
        bagValue: new pkijs.CertBag({
          certId: X509_CERT,
          certValue: new asn1js.OctetString({ valueHex: der }),
        }),
      }),
  );
  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
            { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [keyBag] }) },
          ],
        },
      }),
    },
  });
  await pfx.parsedValue!.authenticatedSafe!.makeInternalValues({
    safeContents: [
      {
        password,
        contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 },
        hmacHashAlgorithm: 'SHA-256',
        iterationCount: ITERATIONS,
      },
      {},
    ],
  });
  await pfx.makeInternalValues({
    password,
    iterations: MAC_ITERATIONS,
    pbkdf2HashAlgorithm: 'SHA-256',
    hmacHashAlgorithm: 'SHA-256',
  });
  return new Uint8Array(pfx.toSchema().toBER(false));
}

export interface ImportedPkcs12 {
  privateKey: KeyObject;
  /** DER certificates in file order (the end-entity certificate usually first). */
  certificates: Uint8Array[];
}

/**
 * Imports a password-protected PKCS#12 (RFC 7292) with one private key and its certificates, checking the MAC.
 * Supports PBES2 bags (OpenSSL 3 default) for certificates and keys.
 *
 * @throws KeystoreError `PKCS12_INVALID` (bad structure, MAC or passphrase) or `PKCS12_NO_KEY`.
 */
export async function importPkcs12(der: Uint8Array, passphrase: string): Promise<ImportedPkcs12> {
  ensurePkijsEngine();
  const password = passwordBytes(passphrase);
  const certificates: Uint8Array[] = [];
  let privateKey: KeyObject | undefined;
  try {
    const pfx = pkijs.PFX.fromBER(der);
    await pfx.parseInternalValues({ password, checkIntegrity: true });
    const safe = pfx.parsedValue?.authenticatedSafe;
    if (!safe) throw new Error('no authenticated safe');
    await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password })) });
    for (const contents of safe.parsedValue?.safeContents ?? []) {
      for (const bag of contents.value.safeBags) {
        if (bag.bagId === CERT_BAG) {
          const certBag = bag.bagValue as pkijs.CertBag;
          if (certBag.certId === X509_CERT) {
            const value = certBag.certValue as asn1js.OctetString;
            certificates.push(new Uint8Array(value.valueBlock.valueHexView));
          }
        } else if (bag.bagId === KEY_BAG && !privateKey) {
          const encrypted = (bag.bagValue as pkijs.PKCS8ShroudedKeyBag).toSchema().toBER(false);
          privateKey = createPrivateKey({
            key: Buffer.from(encrypted),
            format: 'der',
            type: 'pkcs8',
            passphrase,
          });
        }
      }
    }
  } catch (err) {
    if (err instanceof KeystoreError) throw err;
    throw new KeystoreError(
      'PKCS12_INVALID',
      'cannot read the PKCS#12 file (wrong passphrase or damaged file)',
      {
        cause: err instanceof Error ? err.name : undefined,
      },
    );
  }
  if (!privateKey) throw new KeystoreError('PKCS12_NO_KEY', 'the PKCS#12 file holds no private key');
  return { privateKey, certificates };
}
