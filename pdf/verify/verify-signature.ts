import { createHash } from 'node:crypto';
import { parsePdfDate } from '../appearance/time-format';
import { PdfReader, decodeTextString } from '../core/document';
import { isPdfError } from '../core/errors';
import { type PdfDict, PdfString, type PdfValue, nameOf } from '../core/objects';
import type { ByteSource } from '../core/source';
import type { CertificateInfo } from '../cms/certificate';
import { DerError } from '../cms/der';
import { OID } from '../cms/oids';
import { type ParsedSignedData, type ParsedSignerInfo, parseSignedData } from '../cms/parse-signed-data';
import { type SignedBytes, inMemory } from '../cms/signature-algorithms';
import { type SignedRange, checkByteRange } from './byte-range';
import { type TrustOptions, checkCertificatePath } from './certificate-path';
import { analyseChanges } from './changes';
import type { CryptoPolicy } from './crypto-policy';
import type { SignatureReport, SignerInfoReport, TimestampReport } from './report';
import { essCertMatches, verifySignerInfo } from './signer-info';
import { verifyTimestampToken } from './timestamps';
import { Verdict } from './verdict';

const SUPPORTED_SUBFILTERS = new Set(['ETSI.CAdES.detached', 'adbe.pkcs7.detached', 'adbe.pkcs7.sha1']);

/** One signature dictionary and every field that references it. */
export interface SignatureTarget {
  fieldNames: string[];
  /** Object whose bytes hold the dictionary (it must be an uncompressed object, ISO 32000-1 7.5.7). */
  container?: number;
  /** Offset of that object in the file; undefined when it is compressed in an object stream. */
  offset?: number;
  sig: PdfDict;
}

/** Options for one signature: trust inputs and the crypto policy. */
export type SignatureOptions = TrustOptions & { policy: CryptoPolicy };

function stringOf(v: PdfValue | undefined): string | undefined {
  return v instanceof PdfString ? decodeTextString(v.bytes) : undefined;
}

function signingTimeAttr(si: ParsedSignerInfo): Date | undefined {
  const t = si.attributes.get(OID.signingTime)?.[0];
  if (!t) return undefined;
  const s = Buffer.from(t.value).toString('latin1');
  const m = /^(\d{2,4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s);
  if (!m) return undefined;
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(
    Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)),
  );
}

/** Signature time-stamps (RFC 3161 Appendix A; ETSI EN 319 122-1 5.3): the imprint is over the signature value. */
async function signatureTimestamps(
  si: ParsedSignerInfo,
  opts: SignatureOptions,
): Promise<{ reports: TimestampReport[]; poe?: Date }> {
  const reports: TimestampReport[] = [];
  let poe: Date | undefined;
  for (const token of si.unsignedAttributes.get(OID.signatureTimeStampToken) ?? []) {
    const r = await verifyTimestampToken(token.raw, inMemory(si.signature), opts);
    reports.push(r.report);
    if (r.report.valid && r.genTime && (!poe || r.genTime < poe)) poe = r.genTime;
  }
  return { reports, poe };
}

/** Verifies one SignerInfo end to end: time-stamps, cryptography, ESS, key usage and certificate path. */
async function verifySignerInfoFully(
  sd: ParsedSignedData,
  si: ParsedSignerInfo,
  content: SignedBytes,
  subFilter: string,
  signingTime: Date | undefined,
  opts: SignatureOptions,
): Promise<{ report: SignerInfoReport; cert?: CertificateInfo }> {
  const ts = await signatureTimestamps(si, opts);
  const r = await verifySignerInfo(sd, si, {
    content,
    contentType: OID.data,
    requireSignedAttributes: subFilter === 'ETSI.CAdES.detached',
    policy: opts.policy,
    at: opts.at,
    poe: ts.poe,
  });
  const v = r.verdict;
  for (const t of ts.reports.filter((x) => !x.valid))
    v.note(`signature time-stamp ${t.indication}: ${t.messages[0] ?? ''}`);
  const report: SignerInfoReport = {
    valid: false,
    indication: 'TOTAL_PASSED',
    messages: v.messages,
    digestAlgorithm: r.digestAlgorithm,
    signatureAlgorithm: r.signatureAlgorithm,
    signedAttributes: r.hasSignedAttributes,
    signatureTimestamps: ts.reports,
  };
  const cert = r.cert;
  if (cert) {
    Object.assign(report, { signer: cert.subject, serial: cert.serialHex, issuer: cert.issuer });
    if (subFilter === 'ETSI.CAdES.detached' && si.signedAttributes && essCertMatches(si, cert) === undefined)
      v.fail(
        'TOTAL_FAILED',
        'FORMAT_FAILURE',
        'ETSI.CAdES.detached requires the signing-certificate-v2 attribute',
      );
    // RFC 5280 4.2.1.3: a signing certificate must assert digitalSignature or nonRepudiation.
    if (cert.keyUsage && !cert.keyUsage.some((u) => u === 'digitalSignature' || u === 'nonRepudiation'))
      v.fail('INDETERMINATE', 'CHAIN_CONSTRAINTS_FAILURE', 'signer certificate keyUsage forbids signing');
    report.certificatePath = await checkCertificatePath(v, cert, sd.certificates, signingTime, opts, ts.poe);
  }
  if (signingTime && signingTime.getTime() > opts.at.getTime())
    v.fail('INDETERMINATE', 'NOT_YET_VALID', 'claimed signing time is after the validation time');
  Object.assign(report, { indication: v.indication, subIndication: v.subIndication, valid: v.passed });
  return { report, cert };
}

/**
 * Parses /Contents as CMS SignedData over id-data (ISO 32000-1 12.8.3.3, RFC 5652 5.1): detached, or for
 * adbe.pkcs7.sha1 encapsulating the 20-byte SHA-1 digest of the ByteRange.
 */
function parseCms(v: Verdict, contents: Uint8Array, sha1: boolean): ParsedSignedData | undefined {
  try {
    const sd = parseSignedData(contents);
    if (sd.contentType !== OID.data) throw new DerError('eContentType is not id-data');
    if (sha1 && sd.encapsulatedContent?.length !== 20)
      throw new DerError('adbe.pkcs7.sha1 must encapsulate a SHA-1 digest');
    if (!sha1 && sd.hasEncapsulatedContent) throw new DerError('CMS is not detached');
    return sd;
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `/Contents is not a valid CMS SignedData: ${err.message}`);
    return undefined;
  }
}

/**
 * What the SignerInfos sign: the ByteRange, or for adbe.pkcs7.sha1 the encapsulated digest, which must then be the
 * SHA-1 of the ByteRange (ISO 32000-1 12.8.3.3.1). SHA-1 itself is left to the crypto policy.
 */
async function signedContent(v: Verdict, sd: ParsedSignedData, range: SignedRange): Promise<SignedBytes> {
  if (!sd.encapsulatedContent) return range.content;
  const h = createHash('sha1');
  for await (const c of range.content()) h.update(c);
  if (!h.digest().equals(Buffer.from(sd.encapsulatedContent)))
    v.fail('TOTAL_FAILED', 'HASH_FAILURE', 'encapsulated SHA-1 digest does not match the signed byte ranges');
  return inMemory(sd.encapsulatedContent);
}

/**
 * A coverage other than the standard one (see {@link checkByteRange}): the bytes named may verify, but what the
 * signer signed is no longer the document a reader sees, so it is a forbidden modification (pyHanko:
 * NONSTANDARD_COVERAGE, never acceptable), not broken integrity. Recorded after the CMS verdicts, so that a broken
 * hash or signature value still names the sub-indication. The change analysis is not run: there is no signed
 * revision to compare with.
 */
function refuseCoverage(v: Verdict, report: SignatureReport, anomalies: readonly string[]): void {
  report.modificationLevel = 'OTHER';
  v.fail(
    'TOTAL_FAILED',
    'MODIFIED_AFTER_SIGNING',
    `the signature does not cover the document as ISO 32000-1 12.8.1 requires: ${anomalies.join('; ')}`,
  );
}

/**
 * Records what later incremental updates changed, each change with the rule that allowed or refused it
 * (ISO 32000-1 12.8.2.2 DocMDP, 12.8.2.4 FieldMDP; ETSI EN 319 142-1 Annex A; see ./changes).
 */
async function checkChanges(
  v: Verdict,
  report: SignatureReport,
  full: PdfReader,
  target: SignatureTarget,
  signedLength: number,
  revEnds: readonly number[],
) {
  try {
    const analysis = await analyseChanges(
      full,
      signedLength,
      { fieldName: target.fieldNames[0]!, dict: target.sig },
      [...revEnds],
    );
    report.changeAnalysis = analysis;
    report.changesAfterSigning = analysis.changes;
    report.modificationLevel = analysis.modificationLevel;
    const bad = analysis.changes.filter((ch) => !ch.allowed);
    if (bad.length)
      v.fail(
        'TOTAL_FAILED',
        'MODIFIED_AFTER_SIGNING',
        `document modified after signing: ${bad[0]!.rule} ${bad[0]!.detail}`,
      );
  } catch (err) {
    if (!isPdfError(err)) throw err;
    if (await readable(full, signedLength)) {
      // The signed revision reads; a later update does not (an xref entry naming another object, as in the
      // hide shadow attack): what it changed cannot be shown to be allowed (DSS: undefined changes).
      report.modificationLevel = 'OTHER';
      v.fail(
        'TOTAL_FAILED',
        'MODIFIED_AFTER_SIGNING',
        `document modified after signing: a later revision cannot be read as an update of the signed one: ${err.message}`,
      );
    } else
      v.fail(
        'TOTAL_FAILED',
        'FORMAT_FAILURE',
        `signed range does not end at a readable revision: ${err.message}`,
      );
  }
}

/** Whether the revision ending at `end` opens and its form fields resolve, as the change analysis reads it. */
async function readable(full: PdfReader, end: number): Promise<boolean> {
  try {
    await (await PdfReader.openPrefix(full.src, end, { recover: true })).fields();
    return true;
  } catch (err) {
    if (!isPdfError(err)) throw err;
    return false;
  }
}

/**
 * Verifies one signature dictionary (ISO 32000-1 12.8; ETSI EN 319 142-1 PAdES; RFC 5652): /SubFilter, ByteRange,
 * the CMS and each of its SignerInfos (reported one by one; the signature's indication is the worst), the changes
 * later updates made. Returns the report and the first SignerInfo's certificate (for the Decree 30 role).
 */
export async function verifySignature(
  src: ByteSource,
  full: PdfReader,
  target: SignatureTarget,
  opts: SignatureOptions,
  revEnds: readonly number[],
): Promise<{ report: SignatureReport; cert?: CertificateInfo }> {
  const v = new Verdict();
  const report: SignatureReport = {
    fieldName: target.fieldNames[0]!,
    fieldNames: target.fieldNames,
    valid: false,
    indication: 'TOTAL_PASSED',
    messages: v.messages,
    subFilter: nameOf(target.sig.get('SubFilter')),
    coversWholeDocument: false,
    changesAfterSigning: [],
    signerInfos: [],
  };
  let cert: CertificateInfo | undefined;
  const done = () => {
    Object.assign(report, { indication: v.indication, subIndication: v.subIndication, valid: v.passed });
    return { report, cert };
  };
  if (!report.subFilter || !SUPPORTED_SUBFILTERS.has(report.subFilter)) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `unsupported /SubFilter ${report.subFilter ?? '(none)'}`);
    return done();
  }
  const range = await checkByteRange(v, src, target.sig, target.offset, revEnds);
  if (!range) return done();
  Object.assign(report, {
    byteRange: range.byteRange,
    signedLength: range.signedLength,
    coversWholeDocument: range.coversWholeDocument,
    coveredRevision: range.coveredRevision,
  });
  const sd = parseCms(v, range.contents, report.subFilter === 'adbe.pkcs7.sha1');
  if (!sd) return done();
  if (sd.trailingBytes)
    v.note(
      `${sd.trailingBytes} bytes other than zero padding follow the CMS in /Contents (ignored: nothing signs them)`,
    );
  const content = await signedContent(v, sd, range);
  const m = stringOf(target.sig.get('M'));
  const signingTime = (m ? parsePdfDate(m) : undefined) ?? signingTimeAttr(sd);
  report.signingTime = signingTime?.toISOString();
  const many = sd.signerInfos.length > 1;
  for (const [i, si] of sd.signerInfos.entries()) {
    const r = await verifySignerInfoFully(sd, si, content, report.subFilter, signingTime, opts);
    report.signerInfos.push(r.report);
    if (i === 0) cert = r.cert;
    const prefix = many ? `SignerInfo ${i + 1}: ` : '';
    const [first, ...rest] = r.report.messages;
    if (!r.report.valid)
      v.add({
        indication: r.report.indication,
        subIndication: r.report.subIndication!,
        message: `${prefix}${first ?? ''}`,
      });
    else if (first) v.note(prefix + first);
    for (const msg of rest) v.note(prefix + msg);
  }
  const first = report.signerInfos[0]!;
  Object.assign(report, {
    signer: first.signer,
    serial: first.serial,
    issuer: first.issuer,
    digestAlgorithm: first.digestAlgorithm,
    signatureAlgorithm: first.signatureAlgorithm,
    certificatePath: first.certificatePath,
  });
  report.modificationLevel = 'NONE';
  if (range.coverageAnomalies.length) refuseCoverage(v, report, range.coverageAnomalies);
  else if (!report.coversWholeDocument)
    await checkChanges(v, report, full, target, range.signedLength, revEnds);
  return done();
}
