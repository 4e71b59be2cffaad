import { validatePath as defaultValidatePath } from '../../pki';
import type { PathValidationInput, ValidationReport } from '../../pki/types';
import { parsePdfDate } from '../appearance/time-format';
import { PdfReader, decodeTextString } from '../core/document';
import { PdfError, isPdfError } from '../core/errors';
import type { PdfDict } from '../core/objects';
import { PdfString, type PdfValue, nameOf } from '../core/objects';
import { type ByteSource, type PdfInput, digestRanges, nodeHashName, openSource } from '../core/source';
import { type CertificateInfo, certHash, parseCertificate } from '../cms/certificate';
import { children, decodeOid } from '../cms/der';
import { DIGEST_OIDS, OID } from '../cms/oids';
import { type ParsedSignedData, parseSignedData, verifySignatureValue } from '../cms/signed-data';
import { analyseChanges } from './changes';
import { applyReferenceChanges, malformedReport } from './discovery-findings';
import { type FoundSignature, type SignatureDiscovery, findSignatures } from './find-signatures';
import { type Decree30Options, checkDecree30, classifyRole } from './decree30';
import { mapValidationCode } from './path-mapping';
import type { Indication, PdfVerificationReport, SignatureReport, SubIndication } from './report';

/** Inputs of {@link verifyPdf}: trust anchors, revocation data and an explicit validation time. */
export interface VerifyPdfOptions {
  /** Trust anchors (DER). */
  anchors: Uint8Array[];
  /** Extra untrusted intermediates (DER); those embedded in each CMS are always used. */
  intermediates?: Uint8Array[];
  /** CRLs (DER). */
  crls?: Uint8Array[];
  /** Validation time; never defaulted to the clock inside the library. */
  at: Date;
  /** 'require' (default): every certificate needs CRL coverage; 'none': revocation is not checked. */
  revocation?: 'require' | 'none';
  /** When given, also checks the Decree 30/2020 layout (personal then organisation signature). */
  decree30?: Decree30Options;
  /** Path validation (RFC 5280 6); defaults to `validatePath` from pki/. Injected last, like crypto. */
  validatePath?: (input: PathValidationInput) => Promise<ValidationReport>;
}

const SUPPORTED_SUBFILTERS = new Set(['ETSI.CAdES.detached', 'adbe.pkcs7.detached']);

interface SigField {
  name: string;
  /** Offset of the object whose bytes hold the signature dictionary, when uncompressed (it must be, 7.5.7). */
  offset?: number;
  sig: PdfDict;
  found: FoundSignature;
}

/** Signatures of every revision (see {@link findSignatures}), one per signature dictionary. */
function signatureFields(discovery: SignatureDiscovery): SigField[] {
  return discovery.signatures.map((found) => ({
    name: found.fieldNames[0] ?? '',
    offset: found.container?.offset,
    sig: found.dict,
    found,
  }));
}

function isTimestamp(f: SigField): boolean {
  return nameOf(f.sig.get('SubFilter')) === 'ETSI.RFC3161' || nameOf(f.sig.get('Type')) === 'DocTimeStamp';
}

class Verdict {
  indication: Indication = 'TOTAL_PASSED';
  subIndication?: SubIndication;
  readonly messages: string[] = [];
  fail(indication: Indication, sub: SubIndication, message: string): void {
    this.messages.push(message);
    const rank = (i: Indication) => (i === 'TOTAL_FAILED' ? 2 : i === 'INDETERMINATE' ? 1 : 0);
    if (rank(indication) > rank(this.indication)) {
      this.indication = indication;
      this.subIndication = sub;
    }
  }
}

function findSignerCert(p: ParsedSignedData): CertificateInfo | undefined {
  for (const der of p.certificates) {
    let c: CertificateInfo;
    try {
      c = parseCertificate(der);
    } catch {
      continue;
    }
    if (p.sid.kind === 'issuerSerial') {
      if (
        Buffer.from(c.issuerRaw).equals(Buffer.from(p.sid.issuerRaw)) &&
        Buffer.from(c.serial).equals(Buffer.from(p.sid.serial))
      )
        return c;
    } else if (skiMatches(der, p.sid.ski)) return c;
  }
  return undefined;
}

function skiMatches(der: Uint8Array, ski: Uint8Array): boolean {
  return Buffer.from(der).includes(Buffer.concat([Buffer.from([0x04, ski.length]), Buffer.from(ski)]));
}

/** ESS signing-certificate(-v2) (RFC 2634 5.4, RFC 5035): the first certHash must be the signer certificate's. */
function essCertMatches(p: ParsedSignedData, cert: CertificateInfo): boolean | undefined {
  const v2 = p.attributes.get(OID.signingCertificateV2)?.[0];
  const v1 = p.attributes.get(OID.signingCertificate)?.[0];
  const attr = v2 ?? v1;
  if (!attr) return undefined;
  const first = children(children(attr)[0]!)[0]!;
  const parts = children(first);
  let alg = v2 ? 'sha256' : 'sha1';
  let i = 0;
  if (v2 && parts[0]?.tag === 0x30) {
    const h = DIGEST_OIDS[decodeOid(children(parts[0])[0]!)];
    if (!h) return false;
    alg = nodeHashName(h);
    i = 1;
  }
  const hash = parts[i]?.value;
  return !!hash && Buffer.from(hash).equals(certHash(cert.der, alg));
}

function signingTimeAttr(p: ParsedSignedData): Date | undefined {
  const t = p.attributes.get(OID.signingTime)?.[0];
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

function stringOf(v: PdfValue | undefined): string | undefined {
  return v instanceof PdfString ? decodeTextString(v.bytes) : undefined;
}

async function revisionEnds(src: ByteSource): Promise<number[]> {
  const ends: number[] = [];
  const chunk = 1 << 20;
  for (let pos = 0; pos < src.size; pos += chunk - 8) {
    const buf = Buffer.from(await src.read(pos, chunk));
    for (let at = buf.indexOf('%%EOF'); at >= 0; at = buf.indexOf('%%EOF', at + 1)) {
      let end = pos + at + 5;
      if (ends.includes(end)) continue;
      const after = await src.read(end, 2);
      if (after[0] === 0x0d) end++;
      if (after[after[0] === 0x0d ? 1 : 0] === 0x0a) end++;
      ends.push(end);
    }
    if (buf.length < chunk) break;
  }
  return [...new Set(ends)].sort((a, b) => a - b);
}

async function verifyOne(
  src: ByteSource,
  full: PdfReader,
  field: SigField,
  opts: VerifyPdfOptions,
  revEnds: number[],
): Promise<{ report: SignatureReport; cert?: CertificateInfo }> {
  const v = new Verdict();
  const report: SignatureReport = {
    fieldName: field.name,
    valid: false,
    indication: 'TOTAL_PASSED',
    messages: v.messages,
    subFilter: nameOf(field.sig.get('SubFilter')),
    coversWholeDocument: false,
    changesAfterSigning: [],
  };
  const done = (cert?: CertificateInfo) => {
    report.indication = v.indication;
    report.subIndication = v.subIndication;
    report.valid = v.indication === 'TOTAL_PASSED';
    return { report, cert };
  };

  // ISO 32000-1 12.8.1: ByteRange must start at 0 and leave out exactly the /Contents hex string.
  const br = field.sig.get('ByteRange');
  const contents = field.sig.get('Contents');
  if (!report.subFilter || !SUPPORTED_SUBFILTERS.has(report.subFilter)) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', `unsupported /SubFilter ${report.subFilter ?? '(none)'}`);
    return done();
  }
  if (
    !Array.isArray(br) ||
    br.length !== 4 ||
    !br.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)
  ) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/ByteRange is not four non-negative integers');
    return done();
  }
  const [a, b, c, d] = br as number[];
  report.byteRange = br as number[];
  if (!(contents instanceof PdfString) || !contents.hex || !contents.span || field.offset === undefined) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/Contents is not a hex string in an uncompressed object');
    return done();
  }
  if (a !== 0 || b !== contents.span.start || c !== contents.span.end || c + d! > src.size || b! >= c!) {
    v.fail('TOTAL_FAILED', 'FORMAT_FAILURE', '/ByteRange does not cover the file except exactly /Contents');
    return done();
  }
  const signedLength = c! + d!;
  report.signedLength = signedLength;
  report.coversWholeDocument = signedLength === src.size;
  const rev = revEnds.indexOf(signedLength);
  if (rev >= 0) report.coveredRevision = rev + 1;

  let p: ParsedSignedData;
  try {
    p = parseSignedData(contents.bytes);
    if (p.signerInfoCount !== 1) throw new Error(`${p.signerInfoCount} SignerInfos`);
    if (p.hasEncapsulatedContent) throw new Error('CMS is not detached');
    if (!p.signedAttributes) throw new Error('no signed attributes');
    const ct = p.attributes.get(OID.contentType)?.[0];
    if (!ct || Buffer.from(ct.raw).toString('hex') !== '06092a864886f70d010701')
      throw new Error('content-type is not id-data');
  } catch (err) {
    v.fail(
      'TOTAL_FAILED',
      'FORMAT_FAILURE',
      `/Contents is not a valid CMS SignedData: ${(err as Error).message}`,
    );
    return done();
  }
  report.digestAlgorithm = p.digestAlgorithm;
  if (!p.digestAlgorithm) {
    v.fail(
      'INDETERMINATE',
      'CRYPTO_CONSTRAINTS_FAILURE',
      `unsupported digest algorithm ${p.digestAlgorithmOid}`,
    );
    return done();
  }
  if (p.digestAlgorithm === 'SHA-1')
    v.fail('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', 'SHA-1 is not an acceptable digest algorithm');

  // RFC 5652 5.4: message-digest over the signed bytes, read in streaming fashion.
  const md = p.attributes.get(OID.messageDigest)?.[0];
  const digest = await digestRanges(
    src,
    [
      [0, b!],
      [c!, d!],
    ],
    p.digestAlgorithm,
  );
  if (!md || md.tag !== 0x04 || !Buffer.from(md.value).equals(Buffer.from(digest)))
    v.fail('TOTAL_FAILED', 'HASH_FAILURE', 'message-digest does not match the signed byte ranges');

  const cert = findSignerCert(p);
  if (!cert) {
    v.fail('INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND', 'signer certificate is not in the CMS');
    return done(cert);
  }
  report.signer = cert.subject;
  report.serial = cert.serialHex;
  report.issuer = cert.issuer;
  if (!verifySignatureValue(cert.publicKey, p, p.signedAttributes!, p.signature))
    v.fail(
      'TOTAL_FAILED',
      'SIG_CRYPTO_FAILURE',
      'signature value does not verify with the signer certificate',
    );
  let ess: boolean | undefined;
  try {
    ess = essCertMatches(p, cert);
  } catch {
    ess = false;
  }
  if (ess === false)
    v.fail(
      'INDETERMINATE',
      'NO_SIGNING_CERTIFICATE_FOUND',
      'signing-certificate attribute does not match the signer',
    );
  else if (ess === undefined && report.subFilter === 'ETSI.CAdES.detached')
    v.fail(
      'TOTAL_FAILED',
      'FORMAT_FAILURE',
      'ETSI.CAdES.detached requires the signing-certificate-v2 attribute',
    );

  const m = stringOf(field.sig.get('M'));
  const signingTime = (m ? parsePdfDate(m) : undefined) ?? signingTimeAttr(p);
  report.signingTime = signingTime?.toISOString();

  // Changes made by later incremental updates (ISO 32000-1 12.8.2.2 DocMDP, 12.8.2.4 FieldMDP; see ./changes).
  report.modificationLevel = 'NONE';
  if (!report.coversWholeDocument) {
    try {
      const analysis = await analyseChanges(
        full,
        signedLength,
        { fieldName: field.name, dict: field.sig },
        revEnds,
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
      v.fail(
        'TOTAL_FAILED',
        'FORMAT_FAILURE',
        `signed range does not end at a readable revision: ${err.message}`,
      );
    }
  }

  // RFC 5280 4.2.1.3: a signing certificate must assert digitalSignature or nonRepudiation.
  if (cert.keyUsage && !cert.keyUsage.some((u) => u === 'digitalSignature' || u === 'nonRepudiation'))
    v.fail('INDETERMINATE', 'CHAIN_CONSTRAINTS_FAILURE', 'signer certificate keyUsage forbids signing');

  const validate = opts.validatePath ?? defaultValidatePath;
  const input = (at: Date): PathValidationInput => ({
    anchors: opts.anchors,
    cert: cert.der,
    intermediates: [...p.certificates.filter((x) => x !== cert.der), ...(opts.intermediates ?? [])],
    crls: opts.crls,
    at,
    revocation: opts.revocation ?? 'require',
  });
  // At the claimed signing time the path is checked without revocation: the CRLs a verifier holds are issued later
  // and RFC 5280 6.3 refuses a CRL whose thisUpdate is after the validation time. Revocation is decided at `at`.
  const atSigning = signingTime ? await validate({ ...input(signingTime), revocation: 'none' }) : undefined;
  const atValidation = await validate(input(opts.at));
  report.certificatePath = { atSigningTime: atSigning, atValidationTime: atValidation };
  for (const [r, when] of [
    [atSigning, 'signing'],
    [atValidation, 'validation'],
  ] as const) {
    if (!r) continue;
    // Revoked by now, but after the claimed signing time: without a proof of existence (timestamp) the claim
    // cannot be trusted (ETSI EN 319 102-1: REVOKED_NO_POE); revoked before it: the signature is invalid.
    const revokedBeforeSigning =
      r.code === 'REVOKED' &&
      (!signingTime || !r.revocation || new Date(r.revocation.date).getTime() <= signingTime.getTime());
    const mapped = mapValidationCode(r.code, revokedBeforeSigning ? 'signing' : when);
    if (mapped)
      v.fail(
        mapped.indication,
        mapped.subIndication,
        `certificate path at ${when} time: ${r.code} ${r.message}`,
      );
  }
  if (signingTime && signingTime.getTime() > opts.at.getTime())
    v.fail('INDETERMINATE', 'NOT_YET_VALID', 'claimed signing time is after the validation time');
  return done(cert);
}

/**
 * Verifies every signature of a PDF (ISO 32000-1 12.8; ETSI EN 319 142-1 PAdES B-B; RFC 5652 CMS): ByteRange shape
 * and digest (read by streaming), CMS signature (node:crypto), signing-certificate attribute, key usage, certificate
 * path at the claimed signing time and at `at`, and what later incremental updates changed. Returns a report; an
 * invalid or unsigned document is a result, not an error.
 * Throws PdfError only when the file cannot be read as a PDF at all (IO_ERROR, MALFORMED_PDF, XREF_BROKEN,
 * ENCRYPTED_PDF, LIMIT_EXCEEDED).
 */
export async function verifyPdf(input: PdfInput, opts: VerifyPdfOptions): Promise<PdfVerificationReport> {
  if (!(opts.at instanceof Date) || Number.isNaN(opts.at.getTime()))
    throw new PdfError('INVALID_OPTION', '`at` must be a valid Date');
  const src = await openSource(input);
  try {
    const full = await PdfReader.open(src, { recover: true });
    const discovery = await findSignatures(src, full);
    const fields = signatureFields(discovery);
    const revEnds = await revisionEnds(src);
    const signatures: SignatureReport[] = [];
    const certs: (CertificateInfo | undefined)[] = [];
    const documentTimestamps: string[] = [];
    for (const f of fields) {
      if (isTimestamp(f)) {
        documentTimestamps.push(f.name);
        continue;
      }
      if (f.found.malformed.length > 0) {
        signatures.push(malformedReport(f.found));
        certs.push(undefined);
        continue;
      }
      const { report, cert } = await verifyOne(src, full, f, opts, revEnds);
      applyReferenceChanges(report, f.found);
      if (cert) report.role = (opts.decree30?.classify ?? classifyRole)(cert);
      signatures.push(report);
      certs.push(cert);
    }
    // Signatures in signing order: a signature dictionary lies inside the revision that added it.
    const offsetOf = (f: SigField) => f.offset ?? Number.MAX_SAFE_INTEGER;
    const positions = fields.filter((f) => !isTimestamp(f)).map(offsetOf);
    const order = signatures.map((_, i) => i).sort((x, y) => positions[x]! - positions[y]! || x - y);
    const sorted = order.map((i) => signatures[i]!);
    const sortedCerts = order.map((i) => certs[i]);
    const decree30 = opts.decree30 ? checkDecree30(sorted, sortedCerts, opts.decree30) : undefined;
    const allPassed = sorted.length > 0 && sorted.every((s) => s.valid);
    const indication: Indication = allPassed
      ? 'TOTAL_PASSED'
      : sorted.some((s) => s.indication === 'TOTAL_FAILED')
        ? 'TOTAL_FAILED'
        : 'INDETERMINATE';
    return {
      valid: allPassed && (decree30?.valid ?? true),
      indication,
      validationTime: opts.at.toISOString(),
      revisions: revEnds.length,
      signatures: sorted,
      documentTimestamps,
      decree30,
      structureWarnings: discovery.warnings,
    };
  } finally {
    await src.close();
  }
}
