import { parseCertificate } from '../../pdf/cms/certificate';
import { parseSignedData } from '../../pdf/cms/parse-signed-data';

/**
 * The archive time-stamp policy (README, Long-term validity): a time-stamp is only as good as the certificates it
 * relies on. An archive (document) time-stamp is renewed, and the TSA rolls its own key over, once the earliest
 * certificate expiry it relies on is within the renewal window — one year by default, so a missed run, a TSA outage
 * or a slow CA leaves months of margin.
 */
export const DEFAULT_RENEWAL_WINDOW_DAYS = 365;

const DAY_MS = 86_400_000;

/** The moment from which something relying on certificates until `reliesUntil` is due for renewal. */
export function renewalDueAt(reliesUntil: Date, windowDays: number): Date {
  return new Date(reliesUntil.getTime() - windowDays * DAY_MS);
}

/** True when `reliesUntil` falls within the renewal window as seen at `now`. */
export function isRenewalDue(reliesUntil: Date, now: Date, windowDays: number): boolean {
  return renewalDueAt(reliesUntil, windowDays).getTime() <= now.getTime();
}

/**
 * Until when a time-stamp token can be validated: the earliest notAfter of the certificates it carries (the TSA's
 * and its CAs'; a chain is as strong as its shortest-lived link). Undefined when the token carries none (an
 * external TSA that omitted them): the caller then cannot tell and must treat it as due.
 */
export function tokenReliesUntil(token: Uint8Array): Date | undefined {
  let earliest: Date | undefined;
  for (const der of parseSignedData(token).certificates) {
    const notAfter = parseCertificate(der).notAfter;
    if (!earliest || notAfter < earliest) earliest = notAfter;
  }
  return earliest;
}
