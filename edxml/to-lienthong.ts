import {
  ENVELOPE_VERSION,
  STATUS_VERSION,
  parseEnvelope,
  parseStatusMessage,
  type Attachment,
  type Envelope,
  type StatusMessage,
} from '../schemas/edxml';
import type { EdxmlEnvelope, EdxmlStatusMessage } from '../schemas/edxml-wire';

/**
 * edXML models (schemas/edxml-wire.ts, as edxml/read.ts parses them) back to lienthong's envelope and status, the
 * reverse of edxml/lienthong.ts. Pure: what the gateway knows (the message id it gives the document, where the
 * attachments were stored, the current time) comes in as arguments. Liberal where lienthong can still decide
 * (a CodeNumber "74fass22" keeps its leading number, an odd priority becomes normal, a missing time becomes
 * `now`), and each such choice is reported in `notes`; a field lienthong cannot do without is a `problem` naming the
 * element, never a guess.
 */

export type Mapped<T> = { ok: true; value: T; notes: string[] } | { ok: false; problems: string[] };

/** `yyyy-MM-dd`, `yyyy/MM/dd`, optionally with a time and offset, to an ISO instant; undefined when unreadable. */
export function edxmlInstant(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const m = raw
    .trim()
    .match(
      /^(\d{4})[/-](\d{2})[/-](\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/,
    );
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  // Without a zone a Vietnamese platform means Vietnam time (UTC+7).
  const offset =
    zone === undefined ? '+07:00' : zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${offset}`);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Where the gateway put an inline attachment (Object Store reference) and what it holds. */
export interface StoredAttachment {
  name: string;
  contentType: string;
  sha256: string;
  size: number;
  ref: string;
}

export interface EnvelopeContext {
  /** lienthong's id of the received document (deterministic per sender and DocumentId). */
  messageId: string;
  /** The attachments as stored, main (PDF) document first. */
  attachments: StoredAttachment[];
  /** The id lienthong gives an earlier document named in ReplacementInfo (same derivation as `messageId`). */
  messageIdOf: (documentId: string) => string;
  now: Date;
}

/** The numeric part of a CodeNumber; "74fass22" gives 74 with a note. */
function codeNumber(raw: string | undefined, notes: string[], problems: string[]): number {
  const m = raw?.trim().match(/^0*(\d{1,9})/);
  const n = m ? Number(m[1]) : 0;
  if (!m || n < 1) problems.push(`MessageHeader/Code/CodeNumber: "${raw ?? ''}" has no positive number`);
  else if (m[0] !== raw?.trim()) notes.push(`MessageHeader/Code/CodeNumber: "${raw}" read as ${n}`);
  return n;
}

function smallInt(
  raw: string | undefined,
  max: number,
  fallback: number,
  where: string,
  notes: string[],
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (Number.isInteger(n) && n >= 0 && n <= max) return n;
  notes.push(`${where}: "${raw}" is not 0–${max}; read as ${fallback}`);
  return fallback;
}

/** An edXML envelope as lienthong's internal envelope, or the problems that prevent it. */
export function edxmlToEnvelope(m: EdxmlEnvelope, ctx: EnvelopeContext): Mapped<Envelope> {
  const h = m.header;
  const notes: string[] = [];
  const problems: string[] = [];
  const need = (value: string | undefined, where: string) => {
    if (value === undefined || value.trim() === '') problems.push(`${where}: missing`);
    return value?.trim() ?? '';
  };
  const fromCode = need(h.from?.organId, 'MessageHeader/From/OrganId');
  const documentId = need(h.documentId, 'MessageHeader/DocumentId');
  const date = h.promulgationInfo?.promulgationDate;
  if (!date || !ISO_DATE.test(date))
    problems.push(`MessageHeader/PromulgationInfo/PromulgationDate: "${date ?? ''}" is not a date`);
  const number = codeNumber(h.code?.codeNumber, notes, problems);
  if (ctx.attachments.length === 0) problems.push('AttachmentEncoded: no attachment with content');
  const docType = h.documentType?.type?.trim() || h.documentType?.typeDetail?.trim();
  const businessDocType = smallInt(h.business?.businessDocType, 3, 0, 'Bussiness/BussinessDocType', notes);
  const replaced = h.business?.replacementInfoList[0]?.documentId;
  let dueDate = h.dueDate;
  if (dueDate !== undefined && !ISO_DATE.test(dueDate)) {
    notes.push(`MessageHeader/DueDate: "${dueDate}" is not a date; left out`);
    dueDate = undefined;
  }
  const sentAt =
    edxmlInstant(m.traces.find((t) => t.organId === fromCode)?.timestamp ?? m.traces[0]?.timestamp) ??
    ctx.now.toISOString();
  if (problems.length > 0) return { ok: false, problems };
  const raw: Envelope = {
    version: ENVELOPE_VERSION,
    messageId: ctx.messageId,
    from: { code: fromCode, name: h.from?.organName?.trim() || fromCode },
    to: h.to
      .filter((t) => t.organId?.trim())
      .map((t) => ({ code: t.organId!.trim(), name: t.organName?.trim() || t.organId!.trim() })),
    documentId,
    code: { number, notation: h.code?.codeNotation?.trim() || '-' },
    promulgationInfo: { place: h.promulgationInfo?.place?.trim() ?? '', date: date! },
    documentType: {
      code: (docType || 'CV').slice(0, 10),
      name: h.documentType?.typeName?.trim() || docType || 'Công văn',
    },
    subject: h.subject?.trim() ?? '',
    signerInfo: {
      competence: h.signerInfo?.competence?.trim() ?? '',
      position: h.signerInfo?.position?.trim() ?? '',
      fullName: h.signerInfo?.fullName?.trim() ?? '',
    },
    priority: smallInt(h.otherInfo?.priority, 3, 0, 'OtherInfo/Priority', notes),
    dueDate,
    attachments: ctx.attachments.map((a): Attachment => ({ ...a })),
    businessDocType: businessDocType as Envelope['businessDocType'],
    description: h.business?.businessDocReason?.trim() || undefined,
    replaces:
      (businessDocType === 2 || businessDocType === 3) && replaced
        ? { messageId: ctx.messageIdOf(replaced), documentId: replaced }
        : undefined,
    sentAt,
    attempt: 1,
  };
  const parsed = parseEnvelope(raw);
  return parsed.ok ? { ok: true, value: parsed.value, notes } : { ok: false, problems: [parsed.reason] };
}

export interface StatusContext {
  /** lienthong's id of the document the status answers (the sender's API id). */
  messageId: string;
  /** The agency that sent that document, to whom the status goes. */
  to: string;
  now: Date;
}

/** An edXML status as lienthong's status message, or the problems that prevent it. */
export function edxmlToStatus(m: EdxmlStatusMessage, ctx: StatusContext): Mapped<StatusMessage> {
  const s = m.status;
  const notes: string[] = [];
  const fromCode = s.from?.organId?.trim();
  if (!fromCode) return { ok: false, problems: ['Status/From/OrganId: missing'] };
  const at = edxmlInstant(s.timestamp);
  if (!at) notes.push(`Status/Timestamp: "${s.timestamp ?? ''}" unreadable; the time of receipt is used`);
  const description = s.description?.trim() || undefined;
  const raw = {
    version: STATUS_VERSION,
    messageId: ctx.messageId,
    edxmlDocumentId: s.responseFor?.documentId?.trim() ?? '',
    from: { code: fromCode, name: s.from?.organName?.trim() || fromCode },
    to: ctx.to,
    statusCode: s.statusCode?.trim(),
    // A rejection (02) or a refused recall (16) gives its reason in Description.
    reason: s.statusCode === '02' || s.statusCode === '16' ? description : undefined,
    description,
    staff: s.staffInfo?.staff?.trim() || undefined,
    at: at ?? ctx.now.toISOString(),
  };
  const parsed = parseStatusMessage(raw);
  return parsed.ok ? { ok: true, value: parsed.value, notes } : { ok: false, problems: [parsed.reason] };
}
