import type { KeyObject } from 'node:crypto';
import type { CmsDigestAlgorithm } from '../cms/digests';
import type { Finding } from './verdict';

/**
 * Which digest algorithms and RSA key sizes the validation accepts, and until when: the cryptographic constraints of
 * a signature validation policy (ETSI EN 319 102-1 5.2.8; ETSI TS 119 172-4 has the EU policy take them from
 * ETSI TS 119 312). The default dates are approximations of TS 119 312 and NIST SP 800-131A, in the spirit of the
 * EU DSS default policy. `until` is the last date the algorithm is accepted; without it there is no end.
 * An algorithm missing from the table is refused outright.
 */
export interface CryptoPolicy {
  digestAlgorithms: Partial<Record<CmsDigestAlgorithm, { until?: Date }>>;
  /** RSA moduli: each entry accepts keys of at least `minBits` until `until` (the largest matching entry wins). */
  rsaKeySizes: { minBits: number; until?: Date }[];
}

export const DEFAULT_CRYPTO_POLICY: CryptoPolicy = Object.freeze({
  digestAlgorithms: {
    'SHA-1': { until: new Date('2009-12-31T23:59:59Z') },
    'SHA-256': {},
    'SHA-384': {},
    'SHA-512': {},
    'SHA3-256': {},
    'SHA3-384': {},
    'SHA3-512': {},
    SHAKE256: {},
  },
  rsaKeySizes: [{ minBits: 1024, until: new Date('2013-12-31T23:59:59Z') }, { minBits: 2048 }],
});

/** What a signature used, as far as the policy is concerned. */
export interface CryptoUse {
  /** The SignerInfo digestAlgorithm and, when different, the hash of the signature algorithm. */
  digests: CmsDigestAlgorithm[];
  key: KeyObject;
}

function judge(
  what: string,
  rule: { until?: Date } | undefined,
  at: Date,
  poe: Date | undefined,
): Finding | undefined {
  if (!rule)
    return {
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE',
      message: `${what} is not accepted by the validation policy`,
    };
  if (!rule.until || at.getTime() <= rule.until.getTime()) return undefined;
  // Accepted once: a proof of existence (a verified time-stamp) before the end date keeps it acceptable
  // (ETSI EN 319 102-1 5.6.2.4 past signature validation).
  if (poe && poe.getTime() <= rule.until.getTime()) return undefined;
  return {
    indication: 'INDETERMINATE',
    subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
    message: `${what} is not accepted after ${rule.until.toISOString().slice(0, 10)} and no time-stamp proves the signature existed before`,
  };
}

/**
 * Checks the digest algorithms and the RSA key size of a signature against the policy at the validation time `at`,
 * taking `poe` (the earliest verified time-stamp over the signature) into account. Returns the refusals; a refusal is
 * INDETERMINATE, never TOTAL_FAILED: the signature may be perfectly intact, the policy just does not trust it.
 */
export function checkCryptoConstraints(
  policy: CryptoPolicy,
  use: CryptoUse,
  at: Date,
  poe?: Date,
): Finding[] {
  const out: Finding[] = [];
  for (const d of new Set(use.digests)) {
    const f = judge(d, policy.digestAlgorithms[d], at, poe);
    if (f) out.push(f);
  }
  const t = use.key.asymmetricKeyType;
  if (t === 'rsa' || t === 'rsa-pss') {
    const bits = use.key.asymmetricKeyDetails?.modulusLength ?? 0;
    const rule = policy.rsaKeySizes.filter((r) => bits >= r.minBits).sort((a, b) => b.minBits - a.minBits)[0];
    const f = judge(`RSA key of ${bits} bits`, rule, at, poe);
    if (f) out.push(f);
  }
  return out;
}
