import { createHash } from 'node:crypto';
import { parseCertificate, type ParsedCert } from './certificate';
import { parseCrl, type ParsedCrl } from './crl';

/**
 * Bounded memo of parsed certificates and CRLs keyed by the SHA-256 of their DER, so repeated validations against
 * the same CRL (a "warm" CRL) do not re-parse it. Pure: the key is a digest of the input bytes.
 */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }
  clear(): void {
    this.map.clear();
  }
}

const certs = new Lru<ParsedCert>(2048);
const crls = new Lru<ParsedCrl>(256);
const verified = new Lru<boolean>(8192);

function digest(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Parses (or recalls) a certificate. @throws Asn1Error for malformed input. */
export function cachedCertificate(der: Uint8Array): ParsedCert {
  const key = digest(der);
  let c = certs.get(key);
  if (!c) {
    c = parseCertificate(new Uint8Array(der));
    certs.set(key, c);
  }
  return c;
}

/** Parses (or recalls) a CRL. @throws Asn1Error for malformed input. */
export function cachedCrl(der: Uint8Array): ParsedCrl {
  const key = digest(der);
  let c = crls.get(key);
  if (!c) {
    c = parseCrl(new Uint8Array(der));
    crls.set(key, c);
  }
  return c;
}

/** Memoised signature verification result for (signed object, signer key identity). */
export function memoVerify(objectFingerprint: string, keyId: string, compute: () => boolean): boolean {
  const key = `${objectFingerprint}|${keyId}`;
  const hit = verified.get(key);
  if (hit !== undefined) return hit;
  const result = compute();
  verified.set(key, result);
  return result;
}

/**
 * Empties the memo tables (benchmarks and tests only). `keepCrls` keeps parsed CRLs, modelling a server that
 * parses its CRLs once when they are fetched.
 */
export function resetValidationCaches(options: { keepCrls?: boolean } = {}): void {
  certs.clear();
  verified.clear();
  if (!options.keepCrls) crls.clear();
}
