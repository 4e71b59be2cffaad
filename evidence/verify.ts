import { createHash } from 'node:crypto';
import { readEdxml } from '../edxml/read';
import { verifyEdxml } from '../edxml/signature';
import { decodeXmlBytes } from '../edxml/dom';
import type { PdfVerificationReport, VerifyPdfOptions } from '../pdf';
import type { PdfInput } from '../pdf';
import type { SignatureVerdict } from '../schemas/edxml-wire';
import { type AuditChainSegment, type ChainCheck, segmentEvents, verifyChainSegment } from './audit-chain';
import {
  CHAIN_NAME,
  ENVELOPE_NAME,
  EVIDENCE_FORMAT,
  INDEX_NAME,
  STATUSES_NAME,
  openBundle,
  type EvidenceIndex,
  type StatusRecord,
} from './bundle';
import { ASIC_MIMETYPE, MANIFEST_NAME, SIGNATURE_NAME, parseManifest, sha256Hex } from './manifest';
import { type DetachedSignatureReport, verifyDetached } from './signature';

/**
 * Offline verification of an evidence bundle: every entry against the manifest, the manifest's signature and its
 * chain to the given root, the time-stamp, the audit chain links, the statuses against the audit events that
 * recorded them, the envelope, and every PDF's signatures. Each problem names the entry it was found in.
 */

export interface BundleProblem {
  entry: string;
  message: string;
}

export interface EvidenceReport {
  valid: boolean;
  index?: EvidenceIndex;
  entries: number;
  signature?: DetachedSignatureReport;
  audit?: ChainCheck;
  documents: Array<{ entry: string; valid: boolean; signatures: number; indication?: string }>;
  envelope?: { documentId?: string; subject?: string; signature?: SignatureVerdict };
  statuses: Array<{ statusCode: string; from: string; at: string }>;
  problems: BundleProblem[];
}

export interface VerifyBundleOptions {
  anchors: Uint8Array[];
  at: Date;
  /** The PDF verifier (pdf/verifyPdf); injected so a unit test of the bundle does not need signed PDFs. */
  verifyPdf: (input: PdfInput, opts: VerifyPdfOptions) => Promise<PdfVerificationReport>;
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function parseJson<T>(
  files: Map<string, Uint8Array>,
  name: string,
  problems: BundleProblem[],
): T | undefined {
  const bytes = files.get(name);
  if (!bytes) {
    problems.push({ entry: name, message: 'missing' });
    return undefined;
  }
  try {
    return JSON.parse(text(bytes)) as T;
  } catch {
    problems.push({ entry: name, message: 'not JSON' });
    return undefined;
  }
}

/** Entries against the manifest: each listed entry present with its SHA-256, each entry listed. */
function checkManifest(files: Map<string, Uint8Array>, problems: BundleProblem[]): boolean {
  const bytes = files.get(MANIFEST_NAME);
  if (!bytes) {
    problems.push({ entry: MANIFEST_NAME, message: 'missing' });
    return false;
  }
  let manifest: ReturnType<typeof parseManifest>;
  try {
    manifest = parseManifest(bytes);
  } catch (err) {
    problems.push({ entry: MANIFEST_NAME, message: `unreadable: ${(err as Error).message}` });
    return false;
  }
  if (manifest.signatureUri !== SIGNATURE_NAME)
    problems.push({ entry: MANIFEST_NAME, message: `names signature ${manifest.signatureUri ?? '(none)'}` });
  const listed = new Set<string>();
  for (const ref of manifest.references) {
    listed.add(ref.uri);
    const entry = files.get(ref.uri);
    if (!entry) problems.push({ entry: ref.uri, message: 'listed in the manifest but absent' });
    else if (sha256Hex(entry) !== ref.sha256)
      problems.push({
        entry: ref.uri,
        message: 'SHA-256 does not match the manifest (the entry was changed)',
      });
  }
  for (const name of files.keys())
    if (!listed.has(name) && name !== 'mimetype' && name !== MANIFEST_NAME && name !== SIGNATURE_NAME)
      problems.push({ entry: name, message: 'not covered by the manifest' });
  return true;
}

async function checkSignature(
  files: Map<string, Uint8Array>,
  opts: VerifyBundleOptions,
  problems: BundleProblem[],
): Promise<DetachedSignatureReport | undefined> {
  const cms = files.get(SIGNATURE_NAME);
  const manifest = files.get(MANIFEST_NAME);
  if (!cms) {
    problems.push({ entry: SIGNATURE_NAME, message: 'missing: the manifest is not signed' });
    return undefined;
  }
  if (!manifest) return undefined;
  const crls = [...files.entries()].filter(([n]) => n.startsWith('validation/') && n.endsWith('.crl'));
  const report = await verifyDetached(cms, manifest, {
    anchors: opts.anchors,
    crls: crls.map(([, b]) => b),
    at: opts.at,
  });
  if (report.contentMatches === false)
    problems.push({
      entry: MANIFEST_NAME,
      message: 'the manifest does not match its signature (it was changed)',
    });
  else if (!report.valid)
    problems.push({ entry: SIGNATURE_NAME, message: report.messages[0] ?? 'signature not valid' });
  return report;
}

/**
 * A status as the hash-chained audit event recorded it: its code, when it was recorded and the message's own time
 * (events recorded before that time was kept hold only their own, which the message's then is).
 */
function matchesEvent(s: StatusRecord, event: { time: string; details: Record<string, unknown> }): boolean {
  const d = event.details as { statusCode?: unknown; at?: unknown };
  return d.statusCode === s.statusCode && event.time === s.recordedAt && (d.at ?? event.time) === s.at;
}

/** Statuses against the audit events that recorded them, and each status's edXML form. */
function checkStatuses(
  files: Map<string, Uint8Array>,
  chain: AuditChainSegment | undefined,
  problems: BundleProblem[],
): EvidenceReport['statuses'] {
  const statuses = parseJson<StatusRecord[]>(files, STATUSES_NAME, problems);
  if (!Array.isArray(statuses)) return [];
  const events = chain ? segmentEvents(chain) : new Map();
  for (const s of statuses) {
    const event = events.get(s.auditEventId);
    if (!event)
      problems.push({ entry: STATUSES_NAME, message: `${s.statusCode}: no audit event ${s.auditEventId}` });
    else if (!matchesEvent(s, event))
      problems.push({
        entry: STATUSES_NAME,
        message: `${s.statusCode} at ${s.at} differs from audit event ${s.auditEventId} (${event.time})`,
      });
    const xml = files.get(s.file);
    if (!xml) {
      problems.push({ entry: s.file, message: 'missing' });
      continue;
    }
    try {
      const m = readEdxml(decodeXmlBytes(xml));
      if (m.kind !== 'status' || m.status.statusCode !== s.statusCode)
        problems.push({ entry: s.file, message: `not the status ${s.statusCode} of ${STATUSES_NAME}` });
      else if (Date.parse(m.status.timestamp ?? '') !== Date.parse(s.at))
        problems.push({ entry: s.file, message: `Timestamp ${m.status.timestamp} is not ${s.at}` });
    } catch (err) {
      problems.push({ entry: s.file, message: `not edXML: ${(err as Error).message}` });
    }
  }
  return statuses.map((s) => ({ statusCode: s.statusCode, from: s.from?.code, at: s.at }));
}

async function checkEnvelope(
  files: Map<string, Uint8Array>,
  index: EvidenceIndex | undefined,
  opts: VerifyBundleOptions,
  problems: BundleProblem[],
): Promise<EvidenceReport['envelope']> {
  const xml = files.get(ENVELOPE_NAME);
  if (!xml) {
    problems.push({ entry: ENVELOPE_NAME, message: 'missing' });
    return undefined;
  }
  try {
    const source = decodeXmlBytes(xml);
    const m = readEdxml(source);
    if (m.kind !== 'envelope') throw new Error('a status, not an envelope');
    const out = { documentId: m.header.documentId, subject: m.header.subject };
    if (index && m.header.documentId !== index.edxmlDocumentId)
      problems.push({
        entry: ENVELOPE_NAME,
        message: `DocumentId ${m.header.documentId} is not the bundle's`,
      });
    for (const d of index?.documents ?? [])
      if (!m.manifest.some((a) => a.contentId === `sha256:${d.sha256}`))
        problems.push({ entry: ENVELOPE_NAME, message: `does not name ${d.file} (sha256:${d.sha256})` });
    const signature = await verifyEdxml(source, { anchors: opts.anchors, at: opts.at });
    if (signature && !signature.valid)
      problems.push({ entry: ENVELOPE_NAME, message: `XML signature: ${signature.reason ?? 'not valid'}` });
    return { ...out, signature };
  } catch (err) {
    problems.push({ entry: ENVELOPE_NAME, message: `not an edXML envelope: ${(err as Error).message}` });
    return undefined;
  }
}

async function checkDocuments(
  files: Map<string, Uint8Array>,
  index: EvidenceIndex,
  opts: VerifyBundleOptions,
  problems: BundleProblem[],
): Promise<EvidenceReport['documents']> {
  const crls = [...files.entries()].filter(([n]) => n.startsWith('validation/') && n.endsWith('.crl'));
  const out: EvidenceReport['documents'] = [];
  for (const d of index.documents ?? []) {
    const bytes = files.get(d.file);
    if (!bytes) {
      problems.push({ entry: d.file, message: 'missing' });
      continue;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== d.sha256)
      problems.push({ entry: d.file, message: `SHA-256 is not the one ${INDEX_NAME} records` });
    try {
      const r = await opts.verifyPdf(bytes, {
        anchors: opts.anchors,
        crls: crls.map(([, b]) => b),
        at: opts.at,
        revocation: 'when-available',
      });
      out.push({ entry: d.file, valid: r.valid, signatures: r.signatures.length, indication: r.indication });
      if (!r.valid) {
        const bad = r.signatures.find((s) => !s.valid);
        const why = bad ? `${bad.fieldName}: ${bad.messages[0] ?? bad.indication}` : 'no valid signature';
        problems.push({ entry: d.file, message: `PDF signature not valid (${why})` });
      }
    } catch (err) {
      out.push({ entry: d.file, valid: false, signatures: 0 });
      problems.push({ entry: d.file, message: `not a readable PDF: ${(err as Error).message}` });
    }
  }
  return out;
}

/** Verifies a bundle. Throws UnusableBundleError when `zip` is not a ZIP at all. */
export async function verifyBundle(zip: Uint8Array, opts: VerifyBundleOptions): Promise<EvidenceReport> {
  const { files, mimetypeFirstStored } = openBundle(zip);
  const problems: BundleProblem[] = [];
  const mimetype = files.get('mimetype');
  if (!mimetype || text(mimetype) !== ASIC_MIMETYPE)
    problems.push({ entry: 'mimetype', message: `missing or not ${ASIC_MIMETYPE}` });
  else if (!mimetypeFirstStored)
    problems.push({ entry: 'mimetype', message: 'not the first entry stored uncompressed' });
  checkManifest(files, problems);
  const signature = await checkSignature(files, opts, problems);
  const index = parseJson<EvidenceIndex>(files, INDEX_NAME, problems);
  if (index && index.format !== EVIDENCE_FORMAT)
    problems.push({ entry: INDEX_NAME, message: `unknown format ${String(index.format)}` });
  const chain = parseJson<AuditChainSegment>(files, CHAIN_NAME, problems);
  const audit = chain ? verifyChainSegment(chain) : undefined;
  for (const message of audit?.problems ?? []) problems.push({ entry: CHAIN_NAME, message });
  const statuses = checkStatuses(files, audit?.ok ? chain : undefined, problems);
  const envelope = await checkEnvelope(files, index, opts, problems);
  // The PDFs as they were when the time-stamped manifest fixed their hashes, with the CRLs bundled then (past
  // signature validation): a B-B document checked years later has nothing else to date its signatures.
  const pdfAt = signature?.valid && signature.timestampedAt ? new Date(signature.timestampedAt) : opts.at;
  const documents = index ? await checkDocuments(files, index, { ...opts, at: pdfAt }, problems) : [];
  if (index && documents.length === 0 && (index.documents ?? []).length === 0)
    problems.push({ entry: INDEX_NAME, message: 'names no signed document' });
  return {
    valid: problems.length === 0,
    index,
    entries: files.size,
    signature,
    audit,
    documents,
    envelope,
    statuses,
    problems,
  };
}
