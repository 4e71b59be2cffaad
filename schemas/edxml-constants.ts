/**
 * edXML versions, NATS names and the edXML DocumentId, without zod (see schemas/document-constants.ts for why
 * workflow code imports these from here). schemas/edxml.ts re-exports all of it.
 */

export const ENVELOPE_VERSION = 'lienthong.edxml/1' as const;
export const STATUS_VERSION = 'lienthong.status/1' as const;

/**
 * NATS names of one exchange deployment: the stream (file storage) over `<prefix>.<agency>.inbox|status`, the
 * dead-letter stream and the Object Store bucket of documents in transit. A namespace (tests, side-by-side
 * deployments on one server) gives each its own set.
 */
export interface ExchangeNames {
  stream: string;
  subjectPrefix: string;
  dlqStream: string;
  dlqSubjectPrefix: string;
  bucket: string;
}

export const DEFAULT_EXCHANGE_NAMES: ExchangeNames = Object.freeze({
  stream: 'LIENTHONG_EXCHANGE',
  subjectPrefix: 'lienthong.exchange',
  dlqStream: 'LIENTHONG_DLQ',
  dlqSubjectPrefix: 'lienthong.dlq',
  bucket: 'lienthong-documents',
});

export function exchangeNames(namespace?: string): ExchangeNames {
  const ns = (namespace ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!ns) return DEFAULT_EXCHANGE_NAMES;
  return Object.freeze({
    stream: `LIENTHONG_EXCHANGE_${ns.toUpperCase()}`,
    subjectPrefix: `lienthong.${ns}.exchange`,
    dlqStream: `LIENTHONG_DLQ_${ns.toUpperCase()}`,
    dlqSubjectPrefix: `lienthong.${ns}.dlq`,
    bucket: `lienthong-documents-${ns}`,
  });
}

/** Object Store bucket named in envelopes by default. */
export const DOCUMENT_BUCKET = DEFAULT_EXCHANGE_NAMES.bucket;

/** edXML DocumentId `<agencyCode>,<yyyy/MM/dd>,<number>/<notation>`. */
export function edxmlDocumentId(agency: string, date: string, number: number, notation: string): string {
  return `${agency},${date.replace(/-/g, '/')},${number}/${notation}`;
}
