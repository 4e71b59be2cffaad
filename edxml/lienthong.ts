import { type Envelope, type StatusMessage, parseEnvelope, parseStatusMessage } from '../schemas/edxml';
import { EDXML_MODEL_VERSION, type EdxmlEnvelope, type EdxmlStatusMessage } from '../schemas/edxml-wire';
import { EdxmlError } from './dom';

/**
 * lienthong's own JSON envelope and status (schemas/edxml.ts, "modelled on" the edXML header) as edXML models, so
 * `lienthong edxml build` takes either. Attachments travel by Object Store reference inside the province: only
 * their manifest entries are written (the bytes are not here to encode).
 */

export function envelopeToEdxml(e: Envelope): EdxmlEnvelope {
  return {
    version: EDXML_MODEL_VERSION,
    kind: 'envelope',
    header: {
      from: { organId: e.from.code, organName: e.from.name },
      to: e.to.map((t) => ({ organId: t.code, organName: t.name })),
      documentId: e.documentId,
      code: { codeNumber: String(e.code.number), codeNotation: e.code.notation },
      promulgationInfo: { place: e.promulgationInfo.place, promulgationDate: e.promulgationInfo.date },
      documentType: { type: e.documentType.code, typeName: e.documentType.name },
      subject: e.subject,
      signerInfo: { ...e.signerInfo },
      dueDate: e.dueDate,
      toPlaces: [],
      otherInfo: { priority: String(e.priority) },
      responseFor: [],
      business: {
        businessDocType: String(e.businessDocType),
        businessDocReason: e.description,
        replacementInfoList: e.replaces ? [{ documentId: e.replaces.documentId, toPlaces: [] }] : [],
      },
    },
    traces: [{ organId: e.from.code, timestamp: e.sentAt }],
    manifest: e.attachments.map((a) => ({
      contentId: `sha256:${a.sha256}`,
      contentType: a.contentType,
      attachmentName: a.name,
      description: a.ref,
    })),
    attachments: [],
    extensions: [],
    unmapped: [],
    signed: false,
  };
}

export function statusToEdxml(s: StatusMessage): EdxmlStatusMessage {
  return {
    version: EDXML_MODEL_VERSION,
    kind: 'status',
    status: {
      from: { organId: s.from.code, organName: s.from.name },
      responseFor: { organId: s.to, documentId: s.edxmlDocumentId },
      statusCode: s.statusCode,
      description: s.reason ?? s.description,
      timestamp: s.at,
      staffInfo: s.staff === undefined ? undefined : { staff: s.staff },
    },
    traces: [],
    extensions: [],
    unmapped: [],
    signed: false,
  };
}

/** A JSON input of `edxml build`: an edXML model as `edxml parse` prints it, or a lienthong envelope or status. */
export function modelFromJson(raw: unknown): unknown {
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version !== 'string' || version === EDXML_MODEL_VERSION) return raw;
  const parsed = version.startsWith('lienthong.status') ? parseStatusMessage(raw) : parseEnvelope(raw);
  if (!parsed.ok) throw new EdxmlError(parsed.reason);
  return 'statusCode' in parsed.value
    ? statusToEdxml(parsed.value)
    : envelopeToEdxml(parsed.value as Envelope);
}
