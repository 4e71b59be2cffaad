import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

let installed = false;

/**
 * Installs node's WebCrypto as the pkijs crypto engine (used by pkijs for PKCS#12 MAC and PBES2 only; certificate
 * and CRL signatures go through node:crypto directly). Idempotent.
 */
export function ensurePkijsEngine(): void {
  if (installed) return;
  const crypto = webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];
  pkijs.setEngine('node-webcrypto', new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto }));
  installed = true;
}
