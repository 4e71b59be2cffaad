import { bytesEqual } from '../asn1/der';
import type { ParsedCert } from './certificate';
import type { Context, KeyRef } from './context';
import { keyOf, verifySigned } from './context';

/** A candidate certification path: `certs[0]` is issued by `anchor`, the last element is the target. */
export interface CandidatePath {
  anchor: ParsedCert;
  certs: ParsedCert[];
}

const MAX_DEPTH = 12;
const MAX_PATHS = 16;
const MAX_STEPS = 400;

/** Issuer preference: authorityKeyIdentifier = subjectKeyIdentifier first, mismatches last (RFC 5280 4.2.1.1). */
function rank(child: ParsedCert, issuer: ParsedCert): number {
  if (!child.authorityKeyId || !issuer.subjectKeyId) return 1;
  return bytesEqual(child.authorityKeyId, issuer.subjectKeyId) ? 0 : 2;
}

/**
 * Builds candidate paths from `target` up to the trust anchors by issuer/subject name (RFC 5280 6, RFC 4158 style
 * depth-first search with key-identifier ordering). `onlyAnchor` restricts to one anchor (CRL signer paths must end
 * at the same anchor as the certificate, 6.3.3 (f)).
 */
export function buildPaths(
  target: ParsedCert,
  ctx: Context,
  onlyAnchor?: ParsedCert,
): { paths: CandidatePath[]; deepest: ParsedCert[] } {
  const anchors = onlyAnchor ? [onlyAnchor] : ctx.anchors;
  const anchorPrints = new Set(ctx.anchors.map((a) => a.fingerprint));
  const pool = ctx.pool.filter((c) => !anchorPrints.has(c.fingerprint));
  const paths: CandidatePath[] = [];
  let deepest: ParsedCert[] = [target];
  let steps = 0;

  const visit = (chain: ParsedCert[]): void => {
    if (paths.length >= MAX_PATHS || ++steps > MAX_STEPS) return;
    const current = chain[chain.length - 1];
    if (chain.length > deepest.length) deepest = chain;
    for (const a of anchors
      .filter((x) => x.subject.key === current.issuer.key)
      .sort((x, y) => rank(current, x) - rank(current, y))) {
      paths.push({ anchor: a, certs: chain.slice().reverse() });
    }
    if (chain.length >= MAX_DEPTH) return;
    const seen = new Set(chain.map((c) => c.fingerprint));
    const issuers = pool
      .filter((c) => c.subject.key === current.issuer.key && !seen.has(c.fingerprint))
      .sort((x, y) => rank(current, x) - rank(current, y));
    for (const issuer of issuers) visit([...chain, issuer]);
  };
  visit([target]);
  return { paths, deepest };
}

/** True if the certificate is self-signed: self-issued and its own key verifies its signature. */
export function isSelfSigned(cert: ParsedCert): boolean {
  if (!cert.selfIssued) return false;
  const key: KeyRef | undefined = keyOf(cert);
  return !!key && verifySigned(cert, key);
}
