import { statusToEdxml } from '../edxml/lienthong';
import { writeEdxml } from '../edxml/write';
import type { AuditEvent } from '../schemas/audit';
import type { VerificationSummary } from '../schemas/document';
import type { StatusMessage } from '../schemas/edxml';
import type { AuditChainSegment } from './audit-chain';
import {
  CHAIN_NAME,
  ENVELOPE_NAME,
  EVIDENCE_FORMAT,
  INDEX_NAME,
  STATUSES_NAME,
  entryName,
  type EvidenceIndex,
  type StatusRecord,
} from './bundle';
import { type BundleEntry, sha256Hex } from './manifest';

/** Everything a bundle states, gathered by the API from the stores (api/evidence-sources.ts). */
export interface EvidenceSources {
  documentId: string;
  edxmlDocumentId: string;
  subject: string;
  side: 'sender' | 'recipient';
  agency: string;
  generatedAt: string;
  generatedBy: string;
  signedBy: string;
  documents: Array<{ fileName: string; bytes: Uint8Array }>;
  envelopeXml: string;
  statuses: Array<{ status: StatusMessage; event: AuditEvent }>;
  verificationReports: Array<{ agency: string; report: VerificationSummary }>;
  chain: AuditChainSegment;
  /** CA certificates and CRLs for an offline path check (`validation/…`). */
  validation: BundleEntry[];
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => utf8(`${JSON.stringify(v, null, 2)}\n`);

/** The bundle's entries (without mimetype, manifest and signature) for these sources. Pure. */
export function evidenceEntries(src: EvidenceSources): BundleEntry[] {
  const documents = src.documents.map((d, i) => ({
    ...d,
    file: `documents/${String(i + 1).padStart(2, '0')}-${entryName(d.fileName)}`,
    sha256: sha256Hex(d.bytes),
  }));
  const statusFiles = src.statuses.map(({ status, event }, i): { record: StatusRecord; xml: string } => ({
    record: {
      file: `statuses/${String(i + 1).padStart(2, '0')}-${status.statusCode}-${entryName(status.from.code)}.edxml`,
      statusCode: status.statusCode,
      from: status.from,
      to: status.to,
      at: status.at,
      recordedAt: event.time,
      staff: status.staff,
      reason: status.reason,
      auditEventId: event.id,
    },
    xml: writeEdxml(statusToEdxml(status)),
  }));
  const reports = src.verificationReports.map((r) => ({
    name: `verification/${entryName(r.agency)}.json`,
    report: r,
  }));
  const index: EvidenceIndex = {
    format: EVIDENCE_FORMAT,
    documentId: src.documentId,
    edxmlDocumentId: src.edxmlDocumentId,
    subject: src.subject,
    side: src.side,
    agency: src.agency,
    generatedAt: src.generatedAt,
    generatedBy: src.generatedBy,
    signedBy: src.signedBy,
    documents: documents.map((d) => ({ file: d.file, fileName: d.fileName, sha256: d.sha256 })),
    verificationReports: reports.map((r) => r.name),
  };
  return [
    { name: INDEX_NAME, mimeType: 'application/json', bytes: json(index) },
    ...documents.map((d) => ({ name: d.file, mimeType: 'application/pdf', bytes: d.bytes })),
    { name: ENVELOPE_NAME, mimeType: 'application/xml', bytes: utf8(src.envelopeXml) },
    { name: STATUSES_NAME, mimeType: 'application/json', bytes: json(statusFiles.map((s) => s.record)) },
    ...statusFiles.map((s) => ({ name: s.record.file, mimeType: 'application/xml', bytes: utf8(s.xml) })),
    ...reports.map((r) => ({ name: r.name, mimeType: 'application/json', bytes: json(r.report) })),
    { name: CHAIN_NAME, mimeType: 'application/json', bytes: json(src.chain) },
    ...src.validation,
  ];
}
