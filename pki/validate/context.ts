import { createHash } from 'node:crypto';
import type { ValidationCode } from '../types';
import { hex } from '../asn1/der';
import { memoVerify } from './cache';
import type { AlgorithmId, ParsedCert } from './certificate';
import type { ParsedCrl } from './crl';
import type { NameConstraintBudget } from './name-constraints';
import { importPublicKey, verifySignature, type WorkingKey } from './signature';

/** Validation inputs after defaults (RFC 5280 6.1.1). */
export interface Settings {
  userPolicies: string[];
  explicitPolicy: boolean;
  inhibitMapping: boolean;
  inhibitAny: boolean;
  /** keyUsage bits the target must assert (0 = none). */
  requiredKeyUsage: number;
  revocation: 'require' | 'none';
}

/** Shared state of one `validatePath` call, including nested CRL-signer validations. */
export interface Context {
  at: Date;
  anchors: ParsedCert[];
  /** Fingerprints of the anchors whose own constraints are applied (RFC 5937; all but `constraints: 'ignore'`). */
  enforced: ReadonlySet<string>;
  pool: ParsedCert[];
  crls: ParsedCrl[];
  /** Fingerprints of CRL signer certificates whose validation is in progress (cycle guard, PKITS 4.5.6, 4.14.30). */
  stack: Set<string>;
  depth: number;
  /** Name-constraint comparisons left for this call, shared with nested CRL-signer validations. */
  nameConstraintBudget: NameConstraintBudget;
  /** Validates a CRL signer certificate to `anchor` (RFC 5280 6.3.3 (f)); supplied by the top-level validator. */
  validateSigner(signer: ParsedCert, anchor: ParsedCert): boolean;
}

/** A step's outcome: success, or a failure with a stable code. */
export type Outcome =
  | { ok: true }
  | { ok: false; code: ValidationCode; message: string; revocation?: { date: Date; reason?: string } };

export const OK: Outcome = { ok: true };
export function fail(
  code: ValidationCode,
  message: string,
  revocation?: { date: Date; reason?: string },
): Outcome {
  return revocation ? { ok: false, code, message, revocation } : { ok: false, code, message };
}

/** A working public key with a stable identity for memoisation. */
export interface KeyRef extends WorkingKey {
  id: string;
}

const keys = new Map<string, KeyRef | null>();

/**
 * The public key of `cert`, with DSA parameters inherited from `issuerKey` where the certificate omits them
 * (RFC 5280 6.1.4 (d)-(f)). Undefined when the key cannot be imported.
 */
export function keyOf(cert: ParsedCert, issuerKey?: KeyRef): KeyRef | undefined {
  const cacheKey = `${cert.fingerprint}|${issuerKey?.params ? hex(issuerKey.params) : ''}`;
  const hit = keys.get(cacheKey);
  if (hit !== undefined) return hit ?? undefined;
  const wk = importPublicKey(cert.spki, issuerKey);
  const ref = wk
    ? {
        ...wk,
        id: createHash('sha256')
          .update(cert.spki)
          .update(wk.params ?? new Uint8Array(0))
          .digest('hex'),
      }
    : null;
  if (keys.size > 4096) keys.clear();
  keys.set(cacheKey, ref);
  return ref ?? undefined;
}

/** Verifies a signed object's signature with a key, memoised by (object, key). */
export function verifySigned(
  obj: { fingerprint: string; signatureAlgorithm: AlgorithmId; tbs: Uint8Array; signature: Uint8Array },
  key: KeyRef,
): boolean {
  return memoVerify(obj.fingerprint, key.id, () =>
    verifySignature(obj.signatureAlgorithm, obj.tbs, obj.signature, key),
  );
}

/** keyUsage bits (RFC 5280 4.2.1.3). */
export const KU = { digitalSignature: 1, keyCertSign: 1 << 5, cRLSign: 1 << 6 } as const;
