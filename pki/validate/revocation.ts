import { hex } from '../asn1/der';
import type { ParsedCert } from './certificate';
import { fail, keyOf, KU, OK, verifySigned, type Context, type KeyRef, type Outcome } from './context';
import type { ParsedCrl } from './crl';
import { ALL_REASONS, dpNames, type DistributionPoint } from './extensions';
import { generalNamesMatch, type GeneralName } from './general-name';
import { crlFinding, PROFILE_RULES } from './profile';

const REMOVE_FROM_CRL = 8;
const REASON_NAMES: Record<number, string> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

/** Where the issuer of the certificate under check stands: its certificate (or the anchor) and working key. */
export interface IssuerInfo {
  cert: ParsedCert;
  key: KeyRef;
  anchor: ParsedCert;
}

function anyMatch(a: GeneralName[], b: GeneralName[]): boolean {
  return a.some((x) => b.some((y) => generalNamesMatch(x, y)));
}

function directoryNames(names: GeneralName[] | undefined): string[] {
  return (names ?? []).flatMap((n) => (n.kind === 'directory' ? [n.value.key] : []));
}

/** 6.3.3 (b): is `crl` in scope for `cert` through distribution point `dp`? */
function inScope(cert: ParsedCert, dp: DistributionPoint, crl: ParsedCrl): boolean {
  if (dp.crlIssuer) {
    if (!directoryNames(dp.crlIssuer).includes(crl.issuer.key) || !crl.idp?.indirectCRL) return false;
  } else if (crl.issuer.key !== cert.issuer.key) {
    return false;
  }
  const idp = crl.idp;
  if (!idp) return true;
  if (idp.name) {
    const idpNames = dpNames(idp.name, crl.issuer);
    if (dp.name) {
      const relativeBase = dp.crlIssuer?.find((n) => n.kind === 'directory');
      const base = relativeBase?.kind === 'directory' ? relativeBase.value : cert.issuer;
      if (!anyMatch(idpNames, dpNames(dp.name, base))) return false;
    } else if (dp.crlIssuer) {
      if (!anyMatch(idpNames, dp.crlIssuer)) return false;
    } else {
      return false;
    }
  }
  if (idp.onlyContainsUserCerts && cert.isCa) return false;
  if (idp.onlyContainsCACerts && !cert.isCa) return false;
  if (idp.onlyContainsAttributeCerts) return false;
  return true;
}

/**
 * 6.3.3 (f)-(g): finds the key that signed `crl` and checks the signer: the certificate's own issuer, or another
 * certificate with the CRL issuer's name (separate CRL-signing key, indirect CRL, key rollover) whose path is
 * validated to the same trust anchor. Returns the key or a reason.
 */
function crlSigner(crl: ParsedCrl, issuer: IssuerInfo, ctx: Context): KeyRef | string {
  const candidates: ParsedCert[] = [];
  if (crl.issuer.key === issuer.cert.subject.key) candidates.push(issuer.cert);
  for (const c of [...ctx.anchors, ...ctx.pool]) {
    if (c.subject.key === crl.issuer.key && !candidates.some((x) => x.fingerprint === c.fingerprint)) {
      candidates.push(c);
    }
  }
  let reason = `no certificate for CRL issuer found whose key verifies the CRL`;
  for (const c of candidates) {
    const key = c.fingerprint === issuer.cert.fingerprint ? issuer.key : keyOf(c);
    if (!key || !verifySigned(crl, key)) continue;
    if (c.keyUsage !== undefined && !(c.keyUsage & KU.cRLSign)) {
      reason = 'the CRL signer certificate does not assert cRLSign';
      continue;
    }
    if (c.fingerprint === issuer.cert.fingerprint || c.fingerprint === issuer.anchor.fingerprint) return key;
    if (ctx.stack.has(c.fingerprint)) return key;
    if (ctx.validateSigner(c, issuer.anchor)) return key;
    reason = 'the CRL signer certificate does not validate';
  }
  return reason;
}

/** 6.3.3 (a)(2), (g): the freshest usable delta CRL for a complete CRL, or a reason why none is usable. */
function deltaFor(complete: ParsedCrl, key: KeyRef, ctx: Context): ParsedCrl | string | undefined {
  const idp = complete.idpDer ? hex(complete.idpDer) : '';
  let best: ParsedCrl | undefined;
  let stale = false;
  for (const d of ctx.crls) {
    if (d.baseCrlNumber === undefined || d.issuer.key !== complete.issuer.key) continue;
    if ((d.idpDer ? hex(d.idpDer) : '') !== idp) continue;
    if (complete.crlNumber === undefined || d.crlNumber === undefined) continue;
    if (d.baseCrlNumber > complete.crlNumber || d.crlNumber <= complete.crlNumber) continue;
    if (d.unknownCritical || !verifySigned(d, key)) continue;
    if (d.thisUpdate > ctx.at) continue;
    if (d.nextUpdate && d.nextUpdate < ctx.at) {
      stale = true;
      continue;
    }
    if (!best || (best.crlNumber ?? 0n) < d.crlNumber) best = d;
  }
  if (best) return best;
  return stale ? 'the delta CRL has expired (nextUpdate has passed)' : undefined;
}

/**
 * RFC 5280 6.3: determines the revocation status of `cert` from the supplied complete and delta CRLs.
 * Fails with `REVOKED`, or with `CRL_MISSING`/`CRL_INVALID` when the reasons mask cannot be completed.
 */
export function checkRevocation(cert: ParsedCert, issuer: IssuerInfo, ctx: Context): Outcome {
  const dps: DistributionPoint[] = cert.crlDistributionPoints ?? [{}];
  let reasonsMask = 0;
  const problems: string[] = [];
  const serial = hex(cert.serial);
  const entryKey = `${cert.issuer.key}|${serial}`;
  for (const dp of dps) {
    for (const crl of ctx.crls) {
      if (reasonsMask === ALL_REASONS) break;
      if (crl.baseCrlNumber !== undefined) continue;
      if (!inScope(cert, dp, crl)) continue;
      const interim = (crl.idp?.onlySomeReasons ?? ALL_REASONS) & (dp.reasons ?? ALL_REASONS) & ALL_REASONS;
      if ((interim & ~reasonsMask) === 0) continue;
      if (crl.thisUpdate > ctx.at) {
        problems.push('CRL thisUpdate is after the validation time');
        continue;
      }
      if (crl.nextUpdate && crl.nextUpdate < ctx.at) {
        problems.push('CRL nextUpdate has passed');
        continue;
      }
      if (crl.unknownCritical) {
        problems.push('CRL has an unrecognised critical extension');
        continue;
      }
      const profile = crlFinding(crl);
      if (profile) {
        problems.push(`${profile.message} (RFC 5280 ${PROFILE_RULES[profile.rule].section})`);
        continue;
      }
      const signer = crlSigner(crl, issuer, ctx);
      if (typeof signer === 'string') {
        problems.push(signer);
        continue;
      }
      const delta = deltaFor(crl, signer, ctx);
      if (typeof delta === 'string') {
        problems.push(delta);
        continue;
      }
      let status: number | 'unrevoked' = 'unrevoked';
      let revokedAt: Date | undefined;
      const deltaEntry = delta?.entries.get(entryKey);
      if (deltaEntry) {
        status = deltaEntry.reason ?? 0;
        revokedAt = deltaEntry.date;
      }
      if (status === 'unrevoked') {
        const entry = crl.entries.get(entryKey);
        if (entry && entry.reason !== REMOVE_FROM_CRL) {
          status = entry.reason ?? 0;
          revokedAt = entry.date;
        }
      }
      if (status !== 'unrevoked' && status !== REMOVE_FROM_CRL) {
        const reason = REASON_NAMES[status] ?? `reason ${status}`;
        return fail('REVOKED', `certificate ${serial} was revoked (${reason})`, { date: revokedAt!, reason });
      }
      reasonsMask |= interim;
    }
  }
  if (reasonsMask === ALL_REASONS) return OK;
  if (problems.length) return fail('CRL_INVALID', `revocation status unknown for ${serial}: ${problems[0]}`);
  return fail('CRL_MISSING', `no CRL covers certificate ${serial}`);
}
