import { createHash } from 'node:crypto';
import { nodeHashName } from '../core/source';
import { DerError } from '../cms/der';
import { OID } from '../cms/oids';
import { type ParsedSignedData, parseSignedData } from '../cms/parse-signed-data';
import { type SignedBytes, inMemory } from '../cms/signature-algorithms';
import { type TstInfo, parseTstInfo } from '../cms/tst-info';
import { checkCertificatePath, type TrustOptions } from './certificate-path';
import type { CryptoPolicy } from './crypto-policy';
import type { TimestampReport } from './report';
import { essCertMatches, verifySignerInfo } from './signer-info';
import { Verdict } from './verdict';

/** A verified (or refused) time-stamp token; `genTime` is a proof of existence only when `report.valid`. */
export interface TimestampResult {
  report: TimestampReport;
  genTime?: Date;
}

function finish(v: Verdict, report: TimestampReport, tst?: TstInfo): TimestampResult {
  report.indication = v.indication;
  report.subIndication = v.subIndication;
  report.valid = v.passed;
  return { report, genTime: tst?.genTime };
}

/**
 * Verifies an RFC 3161 time-stamp token (a CMS SignedData over a TSTInfo, RFC 3161 2.4.2) whose message imprint
 * must be the hash of `imprinted`: the document's ByteRange for a document time-stamp (ETSI EN 319 142-1 5.4), the
 * SignerInfo signature value for a signature time-stamp (RFC 3161 Appendix A). Checks one SignerInfo by the TSA over
 * the TSTInfo with the ESS signing-certificate attribute (RFC 3161 2.4.1, RFC 5816), the TSA certificate's critical
 * extKeyUsage id-kp-timeStamping alone (RFC 3161 2.3) and its path at the validation time.
 * A token whose imprint does not match (copied from another signature or document) is TOTAL_FAILED HASH_FAILURE.
 * Never throws on bad token data.
 */
export async function verifyTimestampToken(
  token: Uint8Array,
  imprinted: SignedBytes,
  opts: TrustOptions & { policy: CryptoPolicy },
): Promise<TimestampResult> {
  const v = new Verdict();
  const report: TimestampReport = { valid: false, indication: 'TOTAL_PASSED', messages: v.messages };
  let sd: ParsedSignedData;
  let tst: TstInfo;
  try {
    sd = parseSignedData(token);
    if (sd.contentType !== OID.tstInfo || !sd.encapsulatedContent)
      throw new DerError('the token does not encapsulate a TSTInfo');
    if (sd.signerInfoCount !== 1)
      throw new DerError(`${sd.signerInfoCount} SignerInfos (RFC 3161 2.4.2: only the TSA's)`);
    tst = parseTstInfo(sd.encapsulatedContent);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `not an RFC 3161 time-stamp token: ${err.message}`);
    return finish(v, report);
  }
  Object.assign(report, {
    genTime: tst.genTime.toISOString(),
    serial: tst.serialHex,
    policy: tst.policy,
    imprintAlgorithm: tst.imprintAlgorithm ?? tst.imprintAlgorithmOid,
    ...(tst.tsaName !== undefined ? { tsaName: tst.tsaName } : {}),
  });
  if (!tst.imprintAlgorithm) {
    v.fail(
      'INDETERMINATE',
      'CRYPTO_CONSTRAINTS_FAILURE',
      `unsupported imprint hash ${tst.imprintAlgorithmOid}`,
    );
  } else {
    const h = createHash(nodeHashName(tst.imprintAlgorithm));
    for await (const c of imprinted()) h.update(c);
    report.imprintMatches = h.digest().equals(Buffer.from(tst.imprint));
    if (!report.imprintMatches)
      v.fail(
        'TOTAL_FAILED',
        'HASH_FAILURE',
        'message imprint does not match the time-stamped data (a copied or mismatched time-stamp)',
      );
  }
  const si = sd.signerInfos[0]!;
  const r = await verifySignerInfo(sd, si, {
    content: inMemory(sd.encapsulatedContent!),
    contentType: OID.tstInfo,
    requireSignedAttributes: true,
    policy: opts.policy,
    at: opts.at,
  });
  if (!r.verdict.passed)
    v.add({
      indication: r.verdict.indication,
      subIndication: r.verdict.subIndication!,
      message: `TSA signature: ${r.verdict.messages.join('; ')}`,
    });
  if (!r.cert) return finish(v, report, tst);
  report.tsa = r.cert.subject;
  if (essCertMatches(si, r.cert) === undefined)
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', 'time-stamp token lacks the ESS signing-certificate attribute');
  const eku = r.cert.extKeyUsage;
  if (!eku || !eku.critical || eku.purposes.length !== 1 || eku.purposes[0] !== OID.kpTimeStamping)
    v.fail(
      'INDETERMINATE',
      'CHAIN_CONSTRAINTS_FAILURE',
      'TSA certificate must have a critical extKeyUsage with id-kp-timeStamping only (RFC 3161 2.3)',
    );
  // With embedded material the token's own genTime dates the TSA certificate's use (past validation); a later
  // document time-stamp is what protects that claim (B-LTA).
  const poe = opts.pastValidationTime ? tst.genTime : undefined;
  const path = await checkCertificatePath(v, r.cert, sd.certificates, undefined, opts, poe);
  report.certificatePath = { atValidationTime: path.atValidationTime };
  return finish(v, report, tst);
}
