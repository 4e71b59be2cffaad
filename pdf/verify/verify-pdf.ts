import type { PathValidationInput, ValidationReport } from '../../pki/types';
import { PdfReader } from '../core/document';
import { PdfError } from '../core/errors';
import type { PdfDict } from '../core/objects';
import { PdfString, nameOf } from '../core/objects';
import { type PdfInput, openSource } from '../core/source';
import type { CertificateInfo } from '../cms/certificate';
import { revisionEnds } from './byte-range';
import { type CryptoPolicy, DEFAULT_CRYPTO_POLICY } from './crypto-policy';
import { type Decree30Options, checkDecree30, classifyRole } from './decree30';
import { applyReferenceChanges, malformedReport, stoppedReport } from './discovery-findings';
import { verifyDocumentTimestamp } from './document-timestamp';
import { type FoundSignature, type SignatureDiscovery, findSignatures } from './find-signatures';
import type { DocumentTimestampReport, PdfVerificationReport, SignatureReport } from './report';
import { worstIndication } from './verdict';
import { type SignatureOptions, type SignatureTarget, verifySignature } from './verify-signature';
import { baselineLevel } from './baseline-level';
import { type DssMaterial, readDss } from './dss';
import { vriKey } from '../sign/dss';

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
  /**
   * 'require' (default): every certificate needs CRL coverage; 'none': revocation is not checked;
   * 'when-available': 'require' when CRLs are given or embedded in the /DSS, else 'none'.
   */
  revocation?: 'require' | 'none' | 'when-available';
  /** When given, also checks the Decree 30/2020 layout (personal then organisation signature). */
  decree30?: Decree30Options;
  /** Accepted digest algorithms and key sizes; defaults to {@link DEFAULT_CRYPTO_POLICY}. */
  cryptoPolicy?: CryptoPolicy;
  /** Path validation (RFC 5280 6); defaults to `validatePath` from pki/. Injected last, like crypto. */
  validatePath?: (input: PathValidationInput) => Promise<ValidationReport>;
}

interface SigField {
  name: string;
  /** Object whose bytes hold the signature dictionary (it must be an uncompressed object, 7.5.7). */
  container?: number;
  /** Offset of that object, when uncompressed. */
  offset?: number;
  sig: PdfDict;
  /** What signature discovery found: every field naming it, in any revision, and later changes to its references. */
  found: FoundSignature;
}

/** Signatures of every revision (see {@link findSignatures}), one per signature dictionary. */
function signatureFields(discovery: SignatureDiscovery): SigField[] {
  return discovery.signatures.map((found) => ({
    name: found.fieldNames[0] ?? '',
    container: found.container?.num,
    offset: found.container?.offset,
    sig: found.dict,
    found,
  }));
}

function isTimestamp(f: SigField): boolean {
  return nameOf(f.sig.get('SubFilter')) === 'ETSI.RFC3161' || nameOf(f.sig.get('Type')) === 'DocTimeStamp';
}

/** The /VRI key of a signature (SHA-1 of its /Contents), when /Contents is a string. */
function vriKeyOf(t: SignatureTarget): string | undefined {
  const c = t.sig.get('Contents');
  return c instanceof PdfString ? vriKey(c.bytes) : undefined;
}

/**
 * Trust inputs with the document's /DSS added (ETSI EN 319 142-1 5.4.2): its certificates as intermediates, its CRLs
 * as revocation data, and the time they were gathered as the control time of past validation.
 */
function withEmbeddedMaterial(opts: VerifyPdfOptions, dss: DssMaterial): SignatureOptions {
  const crls = [...(opts.crls ?? []), ...dss.crls];
  const revocation =
    opts.revocation === 'when-available'
      ? crls.length
        ? 'require'
        : 'none'
      : (opts.revocation ?? 'require');
  return {
    ...opts,
    intermediates: [...(opts.intermediates ?? []), ...dss.certs],
    crls,
    revocation,
    ...(dss.gatheredAt && dss.gatheredAt <= opts.at ? { pastValidationTime: dss.gatheredAt } : {}),
    policy: opts.cryptoPolicy ?? DEFAULT_CRYPTO_POLICY,
  };
}

/**
 * Groups fields by the signature dictionary they reference, so one CMS referenced by several fields is verified and
 * reported once, naming every field. Two dictionaries with the same /ByteRange and /Contents are the same signature.
 */
function groupBySignature(fields: SigField[]): (SignatureTarget & { found: FoundSignature[] })[] {
  const groups = new Map<string, SignatureTarget & { found: FoundSignature[] }>();
  for (const [i, f] of fields.entries()) {
    const contents = f.sig.get('Contents');
    const key =
      contents instanceof PdfString
        ? `${JSON.stringify(f.sig.get('ByteRange') ?? null)}:${Buffer.from(contents.bytes).toString('hex')}`
        : f.container !== undefined
          ? `obj:${f.container}`
          : `field:${i}`;
    const g = groups.get(key);
    if (g) {
      for (const name of f.found.fieldNames) if (!g.fieldNames.includes(name)) g.fieldNames.push(name);
      g.found.push(f.found);
    } else
      groups.set(key, {
        fieldNames: [...new Set([f.name, ...f.found.fieldNames])],
        container: f.container,
        offset: f.offset,
        sig: f.sig,
        found: [f.found],
      });
  }
  return [...groups.values()];
}

/**
 * Verifies every signature of a PDF (ISO 32000-1 12.8; ETSI EN 319 142-1 PAdES; RFC 5652 CMS): ByteRange shape
 * and digest (read by streaming), each SignerInfo's signature (node:crypto), signing-certificate attribute, crypto
 * policy, key usage, certificate path at the claimed signing time and at `at`, signature time-stamps, and what later
 * incremental updates changed; and every document time-stamp (RFC 3161). Returns a report; an invalid or unsigned
 * document is a result, not an error. Document time-stamps are reported in `timestamps` and do not change `valid`
 * or `indication`, which speak for the signatures (as the EU DSS simple report does).
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
    const dss = await readDss(src, full, revEnds);
    const sigOpts = withEmbeddedMaterial(opts, dss);
    const targets = groupBySignature(fields.filter((f) => !isTimestamp(f)));
    const stamps = groupBySignature(fields.filter(isTimestamp));
    const signatures: SignatureReport[] = [];
    const certs: (CertificateInfo | undefined)[] = [];
    for (const t of targets) {
      const malformed = t.found.find((f) => f.malformed.length > 0);
      if (malformed) {
        // An ambiguous dictionary (duplicate keys) is not verified: which /Contents would count is undefined.
        signatures.push({ ...malformedReport(malformed), fieldNames: t.fieldNames });
        certs.push(undefined);
        continue;
      }
      const { report, cert } = await verifySignature(src, full, t, sigOpts, revEnds).catch(
        (err: unknown) => ({
          report: stoppedReport(t.fieldNames, t.sig, err).signature,
          cert: undefined,
        }),
      );
      for (const f of t.found) applyReferenceChanges(report, f);
      report.fieldNames = t.fieldNames;
      if (cert) report.role = (opts.decree30?.classify ?? classifyRole)(cert);
      signatures.push(report);
      certs.push(cert);
    }
    const timestamps: DocumentTimestampReport[] = [];
    for (const t of stamps)
      timestamps.push(
        await verifyDocumentTimestamp(src, t, sigOpts, revEnds).catch(
          (err: unknown) => stoppedReport(t.fieldNames, t.sig, err).timestamp,
        ),
      );
    // Signatures in signing order: a signature dictionary lies inside the revision that added it.
    const offsetOf = (t: SignatureTarget) => t.offset ?? Number.MAX_SAFE_INTEGER;
    const positions = targets.map(offsetOf);
    const order = signatures.map((_, i) => i).sort((x, y) => positions[x]! - positions[y]! || x - y);
    const sorted = order.map((i) => signatures[i]!);
    const sortedCerts = order.map((i) => certs[i]);
    const keys = order.map((i) => vriKeyOf(targets[i]!));
    for (const [i, sig] of sorted.entries()) {
      const level = baselineLevel(sig, keys[i], dss, timestamps);
      if (level) sig.level = level;
      const times = sig.signerInfos[0]?.signatureTimestamps
        .filter((t) => t.valid && t.genTime)
        .map((t) => t.genTime!);
      if (times?.length) sig.timestampTimes = times;
    }
    const decree30 = opts.decree30 ? checkDecree30(sorted, sortedCerts, opts.decree30) : undefined;
    // No signature is INDETERMINATE: nothing was proven.
    const indication = worstIndication(sorted.map((s) => s.indication));
    const allPassed = indication === 'TOTAL_PASSED';
    return {
      valid: allPassed && (decree30?.valid ?? true),
      indication,
      validationTime: opts.at.toISOString(),
      revisions: revEnds.length,
      signatures: sorted,
      documentTimestamps: stamps.flatMap((t) => t.fieldNames),
      timestamps,
      decree30,
      ...(dss.present
        ? {
            dss: {
              certs: dss.certs.length,
              crls: dss.crls.length,
              vri: dss.vriKeys.size,
              ...(dss.gatheredAt ? { gatheredAt: dss.gatheredAt.toISOString() } : {}),
            },
          }
        : {}),
      structureWarnings: discovery.warnings,
    };
  } finally {
    await src.close();
  }
}
