import { unzipSync, zipSync, type Zippable } from 'fflate';
import { ASIC_MIMETYPE, MANIFEST_NAME, SIGNATURE_NAME, type BundleEntry } from './manifest';

/**
 * An evidence bundle: an ASiC-E container (ETSI EN 319 162-1) of what proves one exchange. Layout:
 *
 *   mimetype                     first, stored uncompressed: application/vnd.etsi.asic-e+zip
 *   evidence.json                the index (EvidenceIndex): document, viewer, which entry is what
 *   documents/…pdf               the signed PDF(s)
 *   envelope.edxml               the document's envelope as edXML (QCVN 102:2016)
 *   statuses/statuses.json       every status message with its time and the audit event that recorded it
 *   statuses/NN-CODE-AGENCY.edxml each status message as edXML
 *   verification/…json           the verification report(s) made at receipt
 *   audit/chain.json             the document's audit events and the chain links up to the agency's head
 *   validation/…                 the CA certificates and CRLs for offline path checks
 *   META-INF/ASiCManifest.xml    every entry above (but mimetype) with its SHA-256
 *   META-INF/signature.p7s       detached CMS over the manifest, by the province's organisation certificate
 */

export const EVIDENCE_FORMAT = 'lienthong.evidence/1' as const;
export const INDEX_NAME = 'evidence.json';
export const ENVELOPE_NAME = 'envelope.edxml';
export const STATUSES_NAME = 'statuses/statuses.json';
export const CHAIN_NAME = 'audit/chain.json';

/** One status message as the bundle records it. */
export interface StatusRecord {
  /** The edXML form of this status in the bundle. */
  file: string;
  statusCode: string;
  from: { code: string; name: string };
  to: string;
  /** The status message's own time (its Timestamp). */
  at: string;
  /** When the audit event recorded it: sent (recipient's bundle) or received (sender's). */
  recordedAt: string;
  staff?: string;
  reason?: string;
  /** The audit event (in audit/chain.json) that recorded it. */
  auditEventId: string;
}

export interface EvidenceIndex {
  format: typeof EVIDENCE_FORMAT;
  /** The sender's document id and its edXML DocumentId. */
  documentId: string;
  edxmlDocumentId: string;
  subject: string;
  /** Whose records these are: the sender's or one recipient's. */
  side: 'sender' | 'recipient';
  agency: string;
  generatedAt: string;
  generatedBy: string;
  /** Agency whose organisation certificate signs the manifest. */
  signedBy: string;
  documents: Array<{ file: string; fileName: string; sha256: string }>;
  verificationReports: string[];
}

/** The container's bytes: mimetype first and stored, every entry, then the manifest and its signature. */
export function zipBundle(
  entries: readonly BundleEntry[],
  manifest: Uint8Array,
  signature: Uint8Array,
  mtime: Date,
): Uint8Array {
  const files: Zippable = {
    mimetype: [new TextEncoder().encode(ASIC_MIMETYPE), { level: 0, mtime }],
  };
  for (const e of entries)
    files[e.name] = [e.bytes, { level: e.mimeType === 'application/pdf' ? 1 : 6, mtime }];
  files[MANIFEST_NAME] = [manifest, { level: 6, mtime }];
  files[SIGNATURE_NAME] = [signature, { level: 0, mtime }];
  return zipSync(files);
}

/** Thrown when the input is not a readable ZIP at all (the CLI's exit 2). */
export class UnusableBundleError extends Error {
  override readonly name = 'UnusableBundleError';
}

export interface OpenedBundle {
  files: Map<string, Uint8Array>;
  /** The first local file header is `mimetype`, stored (ETSI EN 319 162-1 A.1). */
  mimetypeFirstStored: boolean;
}

/** Reads the container's entries. */
export function openBundle(zip: Uint8Array): OpenedBundle {
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(zip);
  } catch (err) {
    throw new UnusableBundleError(`not a ZIP file: ${(err as Error).message}`);
  }
  const b = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const nameLength = b.length >= 30 ? b.readUInt16LE(26) : 0;
  const mimetypeFirstStored =
    b.length >= 38 &&
    b.readUInt32LE(0) === 0x04034b50 &&
    b.readUInt16LE(8) === 0 &&
    b.subarray(30, 30 + nameLength).toString('latin1') === 'mimetype';
  return { files: new Map(Object.entries(raw)), mimetypeFirstStored };
}

/** An ASCII entry name from a file name ("Quyết định.pdf" → "Quyet-dinh.pdf"). */
export function entryName(fileName: string): string {
  const ascii = fileName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return ascii.length > 0 ? ascii.slice(0, 120) : 'file';
}
