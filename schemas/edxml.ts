import { z } from 'zod';
import { AgencyCodeSchema } from './identity';
import { PrioritySchema, StatusCodeSchema } from './document';
import {
  DEFAULT_EXCHANGE_NAMES,
  ENVELOPE_VERSION,
  STATUS_VERSION,
  type ExchangeNames,
} from './edxml-constants';

export {
  DEFAULT_EXCHANGE_NAMES,
  DOCUMENT_BUCKET,
  ENVELOPE_VERSION,
  STATUS_VERSION,
  edxmlDocumentId,
  exchangeNames,
  type ExchangeNames,
} from './edxml-constants';

export const OrganisationSchema = z.object({
  /** "Mã định danh cơ quan". */
  code: AgencyCodeSchema,
  /** "Tên cơ quan", with diacritics. */
  name: z.string().min(1).max(300),
});

export const AttachmentSchema = z.object({
  name: z.string().min(1).max(255),
  contentType: z.string().min(1).max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** Object Store reference: `<bucket>/<object name>`. */
  ref: z.string().min(1).max(300),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/** BusinessDocType: 0 new ("văn bản mới"), 1 revoke ("thu hồi"), 2 update ("cập nhật"), 3 replace ("thay thế"). */
export const BusinessDocTypeSchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);

/**
 * Envelope of a document sent between agencies, modelled on the edXML header of QCVN 102:2016 ("Cấu trúc thông
 * điệp dữ liệu công văn điện tử"). The body never travels in the message: attachments name an Object Store entry
 * and its SHA-256. Versioned: a receiver refuses a version it does not know instead of guessing.
 */
export const EnvelopeV1Schema = z.object({
  version: z.literal(ENVELOPE_VERSION),
  /** Sender's own id of the document (the API id); with `from.code` the business key. */
  messageId: z.string().min(1).max(200),
  from: OrganisationSchema,
  to: z.array(OrganisationSchema).min(1),
  /**
   * edXML DocumentId. lienthong writes `<agencyCode>,<yyyy/MM/dd>,<number>/<notation>` ({@link edxmlDocumentId});
   * one received through the national platform is kept exactly as its sender wrote it (field files carry ids such
   * as `…,74fass22/UBND`), since every status back must name it unchanged.
   */
  documentId: z.string().trim().min(1).max(300),
  code: z.object({ number: z.number().int().positive(), notation: z.string().min(1).max(100) }),
  promulgationInfo: z.object({ place: z.string().max(100), date: z.string().date() }),
  documentType: z.object({ code: z.string().min(1).max(10), name: z.string().min(1).max(100) }),
  subject: z.string().min(1).max(1000),
  signerInfo: z.object({
    /** "Thẩm quyền ký", e.g. "KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN". */
    competence: z.string().max(200),
    position: z.string().max(200),
    fullName: z.string().min(1).max(200),
  }),
  priority: PrioritySchema,
  dueDate: z.string().date().optional(),
  attachments: z.array(AttachmentSchema).min(1).max(20),
  businessDocType: BusinessDocTypeSchema,
  /** Why a recall (1), update (2) or replacement (3) is sent. */
  description: z.string().max(2000).optional(),
  /**
   * The earlier document an update (2) or replacement (3) supersedes ("ReplacementInfo"): its sender's id and its
   * edXML DocumentId. Optional in the schema so nodes of this version that predate amendments still parse it.
   */
  replaces: z
    .object({ messageId: z.string().min(1).max(200), documentId: z.string().min(1).max(300) })
    .optional(),
  sentAt: z.string().datetime({ offset: true }),
  /** Delivery attempt (1 = first send, higher = reception-awareness resend). */
  attempt: z.number().int().positive(),
});
export type Envelope = z.infer<typeof EnvelopeV1Schema>;

/** An update or replacement must name what it supersedes. */
const EnvelopeCheckedSchema = EnvelopeV1Schema.refine(
  (e) => (e.businessDocType !== 2 && e.businessDocType !== 3) || e.replaces !== undefined,
  { message: 'an update (2) or replacement (3) names the document it replaces', path: ['replaces'] },
);

/** Status message ("thông điệp trạng thái") from a recipient back to the sender. */
export const StatusMessageV1Schema = z
  .object({
    version: z.literal(STATUS_VERSION),
    /** Sender's document id (`Envelope.messageId`). */
    messageId: z.string().min(1).max(200),
    edxmlDocumentId: z.string().max(300),
    from: OrganisationSchema,
    /** The original sender, to whom the status goes. */
    to: AgencyCodeSchema,
    statusCode: StatusCodeSchema,
    reason: z.string().max(2000).optional(),
    description: z.string().max(2000).optional(),
    staff: z.string().max(200).optional(),
    at: z.string().datetime({ offset: true }),
  })
  .refine((s) => s.statusCode !== '02' || (s.reason !== undefined && s.reason.trim().length > 0), {
    message: 'a rejection (02) needs a reason',
    path: ['reason'],
  });
export type StatusMessage = z.infer<typeof StatusMessageV1Schema>;

/** Result of parsing a wire message: either the value or a reason that will never go away on retry. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; permanent: true; reason: string };

function parseVersioned<T>(
  raw: unknown,
  expected: string,
  schema: z.ZodType<T>,
  what: string,
): ParseResult<T> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, permanent: true, reason: `${what} is not a JSON object` };
  const version = (raw as { version?: unknown }).version;
  if (version !== expected)
    return {
      ok: false,
      permanent: true,
      reason: `unsupported ${what} version ${JSON.stringify(version ?? null)}; this node understands ${expected}`,
    };
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      permanent: true,
      reason: `invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  return { ok: true, value: parsed.data };
}

/** Validates an incoming envelope; an unknown version is refused with a clear reason. */
export function parseEnvelope(raw: unknown): ParseResult<Envelope> {
  return parseVersioned(raw, ENVELOPE_VERSION, EnvelopeCheckedSchema, 'envelope');
}

export function parseStatusMessage(raw: unknown): ParseResult<StatusMessage> {
  return parseVersioned(raw, STATUS_VERSION, StatusMessageV1Schema, 'status message');
}

// ---- NATS naming ----

/**
 * Maps an agency code to one NATS subject token: dots would split it into several tokens, so `.` becomes `_` and
 * letters are lowercased (`000.00.31.H29` → `000_00_31_h29`). Reversible because codes are uppercase.
 */
export function agencyToken(code: string): string {
  return code.replace(/\./g, '_').toLowerCase();
}

export function agencyFromToken(token: string): string {
  return token.replace(/_/g, '.').toUpperCase();
}

export function inboxSubject(agency: string, names: ExchangeNames = DEFAULT_EXCHANGE_NAMES): string {
  return `${names.subjectPrefix}.${agencyToken(agency)}.inbox`;
}

export function statusSubject(agency: string, names: ExchangeNames = DEFAULT_EXCHANGE_NAMES): string {
  return `${names.subjectPrefix}.${agencyToken(agency)}.status`;
}

export function dlqSubject(agency: string, names: ExchangeNames = DEFAULT_EXCHANGE_NAMES): string {
  return `${names.dlqSubjectPrefix}.${agencyToken(agency)}`;
}

/** Durable pull consumer of one agency (inbox and status). */
export function agencyConsumerName(agency: string): string {
  return `agency-${agencyToken(agency).replace(/_/g, '-')}`;
}
