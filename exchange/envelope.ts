import { BUSINESS_DOC_TYPE, DocumentTypes } from '../schemas/document-constants';
import { DOCUMENT_BUCKET, ENVELOPE_VERSION, edxmlDocumentId } from '../schemas/edxml-constants';
import type { Envelope } from '../schemas/edxml';
import type { DocumentWorkflowInput } from '../schemas/exchange-messages';
import type { OutgoingState } from './outgoing-state';

/** Date in Vietnam (UTC+7, no daylight saving) as yyyy-MM-dd. */
export function vietnamDate(ms: number): string {
  return new Date(ms + 7 * 3600_000).toISOString().slice(0, 10);
}

/** The agency part of a notation: the first word of its short name, else the last two parts of its code. */
export function agencyNotation(shortName: string | undefined, code: string): string {
  const first = (shortName ?? '').split(/\s+/)[0] ?? '';
  return first.length > 0 ? first : code.split('.').slice(-2).join('');
}

/** The notation of a newly numbered document: the type's abbreviation, then the agency ("QĐ-UBND"). */
export function notationOf(input: DocumentWorkflowInput): string {
  const abbreviation = DocumentTypes[input.type].abbreviation;
  const org = agencyNotation(input.agency.shortName, input.agency.code);
  return abbreviation ? `${abbreviation}-${org}` : org;
}

/** What of the workflow input an envelope states (the evidence bundle rebuilds it from the read model). */
export type EnvelopeInput = Pick<
  DocumentWorkflowInput,
  | 'documentId'
  | 'agency'
  | 'recipients'
  | 'type'
  | 'subject'
  | 'priority'
  | 'dueDate'
  | 'fileName'
  | 'amendment'
>;

/** What of the document's state an envelope states. */
export type EnvelopeState = Pick<OutgoingState, 'issuedAt' | 'number' | 'notation' | 'signerInfo' | 'file'>;

/** The edXML envelope of an issued document for one send attempt (the document must be numbered). */
export function buildEnvelope(
  input: EnvelopeInput,
  s: EnvelopeState,
  attempt: number,
  sentAt: string,
): Envelope {
  const amendment = input.amendment;
  return {
    version: ENVELOPE_VERSION,
    messageId: input.documentId,
    from: { code: input.agency.code, name: input.agency.name },
    to: input.recipients.map((r) => ({ code: r.code, name: r.name })),
    documentId: edxmlDocumentId(input.agency.code, s.issuedAt!, s.number!, s.notation!),
    code: { number: s.number!, notation: s.notation! },
    promulgationInfo: { place: input.agency.place ?? '', date: s.issuedAt! },
    documentType: { code: input.type, name: DocumentTypes[input.type].name },
    subject: input.subject,
    signerInfo: {
      competence: s.signerInfo?.competence ?? '',
      position: s.signerInfo?.title ?? '',
      fullName: s.signerInfo?.fullName ?? '',
    },
    priority: input.priority,
    dueDate: input.dueDate,
    attachments: [
      {
        name: input.fileName,
        contentType: 'application/pdf',
        sha256: s.file.sha256,
        size: s.file.size,
        ref: `${DOCUMENT_BUCKET}/${s.file.sha256}`,
      },
    ],
    businessDocType: amendment ? BUSINESS_DOC_TYPE[amendment.kind] : 0,
    description: amendment?.reason,
    replaces: amendment ? { messageId: amendment.of, documentId: amendment.ofEdxmlId } : undefined,
    sentAt,
    attempt,
  };
}
