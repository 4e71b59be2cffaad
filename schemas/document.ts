import { z } from 'zod';
import { AgencyCodeSchema, RoleSchema, UsernameSchema } from './identity';
import { VerificationVerdictSchema } from './verification';
import { DocumentTypes } from './document-constants';

export {
  BUSINESS_DOC_TYPE,
  DEFAULT_APPROVAL_FLOW,
  DocumentTypes,
  FINAL_STATUS_CODES,
  documentWorkflowId,
  incomingId,
  receivedWorkflowId,
} from './document-constants';

/**
 * Life cycle of an outgoing document ("văn bản đi") in the issuing agency. `RETURNED` is a rejection in approval
 * (back to the drafter, resubmittable); `RECALLED` after every recipient agreed to a recall; `SUPERSEDED` once an
 * update (corrected metadata) or a replacement (a new signed version) of the document was dispatched.
 */
export const DocumentStates = [
  'DRAFT',
  'IN_APPROVAL',
  'APPROVED',
  'SIGNED',
  'DISPATCHED',
  'COMPLETED',
  'RETURNED',
  'WITHDRAWN',
  'RECALLED',
  'SUPERSEDED',
] as const;
export const DocumentStateSchema = z.enum(DocumentStates);
export type DocumentState = z.infer<typeof DocumentStateSchema>;

/**
 * edXML status codes (QCVN 102:2016, "trạng thái xử lý văn bản"): 01 arrived ("đã đến"), 02 rejected ("từ chối"),
 * 03 accepted and registered ("đã tiếp nhận"), 04 assigned ("phân công"), 05 processing ("đang xử lý"),
 * 06 completed ("hoàn thành").
 */
export const StatusCodes = ['01', '02', '03', '04', '05', '06', '13', '15', '16'] as const;
export const StatusCodeSchema = z.enum(StatusCodes);
export type StatusCode = z.infer<typeof StatusCodeSchema>;

/**
 * Recall answers (BusinessDocType 1): 13 recall requested ("yêu cầu thu hồi"), 15 recall agreed ("đồng ý thu
 * hồi"), 16 recall refused ("từ chối thu hồi", reason required).
 */
export const RecallStatusCodeSchema = z.enum(['13', '15', '16']);
export type RecallStatusCode = z.infer<typeof RecallStatusCodeSchema>;

/** What the sender knows about one recipient; `SEND_FAILED` when no `01` came after every resend. */
export const RecipientStatusCodeSchema = z.union([
  StatusCodeSchema,
  z.literal('PENDING'),
  z.literal('SEND_FAILED'),
]);
export type RecipientStatusCode = z.infer<typeof RecipientStatusCodeSchema>;

/** Life cycle of an incoming document ("văn bản đến") at a recipient. */
export const IncomingStates = [
  'RECEIVED',
  'ACCEPTED',
  'ASSIGNED',
  'PROCESSING',
  'COMPLETED',
  'REJECTED',
  'RECALLED',
  'SUPERSEDED',
] as const;
export const IncomingStateSchema = z.enum(IncomingStates);
export type IncomingState = z.infer<typeof IncomingStateSchema>;

export const DocumentTypeSchema = z.enum(Object.keys(DocumentTypes) as [keyof typeof DocumentTypes]);
export type DocumentType = z.infer<typeof DocumentTypeSchema>;

/** A type's code from its code or its Vietnamese name ("Công văn" → `CV`); anything else is left as it is. */
export function documentTypeCode(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const wanted = value.normalize('NFC').trim().toLocaleLowerCase('vi');
  for (const [code, t] of Object.entries(DocumentTypes))
    if (code.toLowerCase() === wanted || t.name.toLocaleLowerCase('vi') === wanted) return code;
  return value;
}

/** A document type given by code or by name, as flow definitions and simulation samples may write it. */
export const DocumentTypeRefSchema = z.preprocess(documentTypeCode, DocumentTypeSchema);

/** edXML priority ("độ khẩn"): 0 normal, 1 urgent ("khẩn"), 2 very urgent ("thượng khẩn"), 3 express ("hỏa tốc"). */
export const PrioritySchema = z.number().int().min(0).max(3);

/**
 * A stored file: a reference (GridFS id or Object Store name), its SHA-256 and size. Bytes never enter Temporal
 * history or NATS message bodies; only this does.
 */
export const FileRefSchema = z.object({
  ref: z.string().min(1).max(300),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
});
export type FileRef = z.infer<typeof FileRefSchema>;

/** One step of an approval flow: who may decide (by role) and, optionally, a deadline in seconds. */
export const ApprovalStepSchema = z.object({
  role: RoleSchema,
  mode: z.enum(['any']).default('any'),
  deadlineSeconds: z.number().int().positive().optional(),
});
export type ApprovalStep = z.infer<typeof ApprovalStepSchema>;

/** An approval flow, pinned into the workflow at submission so later edits of the definition do not change it. */
export const ApprovalFlowSchema = z.object({
  name: z.string().min(1).max(100),
  steps: z.array(ApprovalStepSchema).min(0).max(10),
});
export type ApprovalFlow = z.infer<typeof ApprovalFlowSchema>;

/** One line of a document's history as the API shows it. */
export const HistoryEntrySchema = z.object({
  at: z.string(),
  event: z.string(),
  actor: z.string(),
  state: z.string(),
  comment: z.string().optional(),
  /**
   * Which of the workflow's audit events this line is (its sequence number): lines written in one batch share their
   * time, and the read model adds lines as a set, so this keeps them apart. Absent on lines written before it.
   */
  auditSeq: z.number().int().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const RecipientViewSchema = z.object({
  agency: AgencyCodeSchema,
  name: z.string().optional(),
  statusCode: RecipientStatusCodeSchema,
  statusAt: z.string().nullable(),
  reason: z.string().optional(),
  attempts: z.number().int().optional(),
  /** Where a recall stands at this recipient: 13 requested, 15 agreed, 16 refused (with `recallReason`). */
  recall: RecallStatusCodeSchema.optional(),
  recallReason: z.string().optional(),
});
export type RecipientView = z.infer<typeof RecipientViewSchema>;

/**
 * edXML BusinessDocType of an amendment: `update` (2, "cập nhật": corrected metadata, same signed file) or
 * `replace` (3, "thay thế": a new signed version).
 */
export const AmendmentKindSchema = z.enum(['update', 'replace']);
export type AmendmentKind = z.infer<typeof AmendmentKindSchema>;

/** This document amends an earlier one of the same agency (`of`), for `reason`. */
export const AmendmentViewSchema = z.object({
  kind: AmendmentKindSchema,
  of: z.string(),
  reason: z.string(),
});

/** A newer version that superseded this one: the document (or received copy) id, its kind and when. */
export const SupersededBySchema = z.object({
  id: z.string(),
  kind: AmendmentKindSchema,
  at: z.string(),
});
export type SupersededBy = z.infer<typeof SupersededBySchema>;

/** Who signed a document, as the envelope names them ("thông tin người ký"). */
export const SignerInfoSchema = z.object({
  fullName: z.string(),
  title: z.string(),
  competence: z.string(),
});
export type SignerInfo = z.infer<typeof SignerInfoSchema>;

// ---- HTTP API ----

/** A file name as uploaded: no directory part. */
export const FileNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\]+$/);

export const CreateDocumentRequestSchema = z.object({
  /** By code (`CV`) or by Vietnamese name ("Công văn"), as flow definitions write it. */
  type: DocumentTypeRefSchema,
  subject: z.string().min(1).max(1000),
  recipients: z.array(AgencyCodeSchema).min(1).max(200),
  priority: PrioritySchema.optional(),
  dueDate: z.string().date().optional(),
  fileName: FileNameSchema,
  pdfBase64: z.string().min(8),
});
export type CreateDocumentRequest = z.infer<typeof CreateDocumentRequestSchema>;

/**
 * A draft filled in as a form (a simple template) instead of an uploaded file: the server lays out the Decree 30
 * document (national title, agency, number left blank for the register, place and date, type and subject, body,
 * "Nơi nhận", signature block) from these fields and what it knows of the agency and recipients.
 */
export const DraftFormSchema = z.object({
  /** Body paragraphs ("nội dung"). */
  body: z.array(z.string().trim().min(1).max(4000)).min(1).max(60),
  /** "Kính gửi:" of an official letter; default the recipients' names. */
  addressees: z.array(z.string().trim().min(1).max(300)).min(1).max(50).optional(),
  /** Signature block ("KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" / full name). */
  signature: z.object({
    competence: z.string().trim().min(1).max(100).optional(),
    position: z.string().trim().min(1).max(100),
    fullName: z.string().trim().min(1).max(100),
  }),
});
export type DraftForm = z.infer<typeof DraftFormSchema>;

/** `POST /documents` from a form: the document's metadata and `form` instead of `fileName` + `pdfBase64`. */
export const CreateDocumentFromFormRequestSchema = CreateDocumentRequestSchema.omit({
  fileName: true,
  pdfBase64: true,
}).extend({ fileName: FileNameSchema.optional(), form: DraftFormSchema });
export type CreateDocumentFromFormRequest = z.infer<typeof CreateDocumentFromFormRequestSchema>;

/** What `POST /documents` accepts as JSON: an uploaded PDF (`pdfBase64`) or a form (`form`), not both. */
export const CreateDocumentBodySchema = CreateDocumentRequestSchema.extend({
  fileName: FileNameSchema.optional(),
  pdfBase64: z.string().min(8).optional(),
  form: DraftFormSchema.optional(),
}).refine((b) => (b.pdfBase64 === undefined) !== (b.form === undefined), {
  message: 'give either pdfBase64 (with fileName) or form, not both',
  path: ['form'],
});

export const DocumentIdParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/) });

export const CreatedDocumentSchema = z.object({ id: z.string(), state: DocumentStateSchema });

export const DocumentSummarySchema = z.object({
  id: z.string(),
  state: DocumentStateSchema,
  type: DocumentTypeSchema,
  subject: z.string(),
  number: z.number().int().optional(),
  notation: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DocumentSummary = z.infer<typeof DocumentSummarySchema>;

/**
 * Where a document stands in its approval flow ("quy trình phê duyệt"): the pinned flow name and version, the
 * open stage, who may approve it, who did, and its deadline. `overdue` stays true once the deadline passed.
 */
export const ApprovalViewSchema = z.object({
  flow: z.object({ name: z.string(), version: z.number().int() }),
  stage: z.object({ id: z.string(), name: z.string(), index: z.number().int(), of: z.number().int() }),
  approvers: z.array(z.string()),
  approvals: z.array(z.string()),
  required: z.number().int(),
  /** Approvers of the stages after the open one (so work waiting on a person can be found). */
  laterApprovers: z.array(z.string()).optional(),
  deadlineAt: z.string().optional(),
  overdue: z.boolean().optional(),
  escalated: z.boolean().optional(),
});
export type ApprovalView = z.infer<typeof ApprovalViewSchema>;

export const DocumentDetailSchema = DocumentSummarySchema.extend({
  agency: AgencyCodeSchema,
  priority: z.number().int(),
  dueDate: z.string().optional(),
  fileName: z.string(),
  file: FileRefSchema,
  issuedAt: z.string().optional(),
  edxmlDocumentId: z.string().optional(),
  sendFailed: z.boolean().optional(),
  /** The open approval stage (flows pinned at submission); absent outside approval. */
  approval: ApprovalViewSchema.optional(),
  /** True once an approval deadline of this document passed (for the KPI of overdue approvals). */
  overdue: z.boolean().optional(),
  /** Who must sign: a successor named in a leadership change, or the holder of an open deferred-signing request. */
  designatedSigner: z.string().optional(),
  pendingSigner: z.string().optional(),
  /** Who signed (kept for an update, which carries the same signed file). */
  signer: SignerInfoSchema.optional(),
  /** This document updates or replaces an earlier one. */
  amendment: AmendmentViewSchema.optional(),
  /** A later update or replacement superseded this document. */
  supersededBy: SupersededBySchema.optional(),
  recipients: z.array(RecipientViewSchema),
  history: z.array(HistoryEntrySchema),
});
export type DocumentDetail = z.infer<typeof DocumentDetailSchema>;

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const DocumentListSchema = z.object({
  items: z.array(DocumentSummarySchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const ApproveRequestSchema = z.object({ comment: z.string().max(2000).optional() }).default({});
export const ReasonRequestSchema = z.object({ reason: z.string().trim().min(1).max(2000) });

/** An update ("cập nhật", BusinessDocType 2): corrected metadata of a dispatched document, same signed file. */
export const UpdateDocumentRequestSchema = z
  .object({
    reason: z.string().trim().min(1).max(2000),
    subject: z.string().trim().min(1).max(1000).optional(),
    priority: PrioritySchema.optional(),
    dueDate: z.string().date().nullable().optional(),
  })
  .refine((b) => b.subject !== undefined || b.priority !== undefined || b.dueDate !== undefined, {
    message: 'name at least one corrected field: subject, priority or dueDate',
    path: ['subject'],
  });
export type UpdateDocumentRequest = z.infer<typeof UpdateDocumentRequestSchema>;

/**
 * A replacement ("thay thế", BusinessDocType 3): a new PDF that goes through approval and signing again and, once
 * dispatched, supersedes the old document at every recipient. Type, subject and recipients default to the old
 * document's; `keepNumber` reuses the old number and notation (per the agency's practice) instead of a new one.
 */
export const ReplaceDocumentRequestSchema = z.object({
  reason: z.string().trim().min(1).max(2000),
  subject: z.string().min(1).max(1000).optional(),
  type: DocumentTypeRefSchema.optional(),
  recipients: z.array(AgencyCodeSchema).min(1).max(200).optional(),
  priority: PrioritySchema.optional(),
  dueDate: z.string().date().optional(),
  keepNumber: z.boolean().optional(),
  fileName: FileNameSchema,
  pdfBase64: z.string().min(8),
});
export type ReplaceDocumentRequest = z.infer<typeof ReplaceDocumentRequestSchema>;
export const AcceptRequestSchema = z
  .object({ incomingNumber: z.number().int().positive().optional() })
  .default({});
export const AssignRequestSchema = z.object({ username: UsernameSchema });

/** Phase one of deferred signing: what the token holder signs. */
export const SigningRequestSchema = z.object({
  /** DER signed attributes (RFC 5652 5.4), base64: the exact bytes the token signs. */
  toBeSigned: z.string(),
  /** Digest of `toBeSigned` with `hash`, base64, for tokens that sign a pre-computed digest. */
  toBeSignedDigest: z.string(),
  hash: z.enum(['SHA-256', 'SHA-384']),
  keyAlgorithm: z.enum(['RSA', 'ECDSA']),
  certificate: z.string(),
});
export type SigningRequest = z.infer<typeof SigningRequestSchema>;

/** Phase two: the token's raw signature value, or a whole CMS SignedData. */
export const SignatureSubmissionSchema = z.union([
  z.object({ signatureValue: z.string().min(8).max(8192) }),
  z.object({ cms: z.string().min(8).max(1_000_000) }),
]);
export type SignatureSubmission = z.infer<typeof SignatureSubmissionSchema>;

export const ActionResultSchema = z.object({
  id: z.string(),
  state: z.string(),
  number: z.number().int().optional(),
  notation: z.string().optional(),
});
export type ActionResult = z.infer<typeof ActionResultSchema>;

export const VerificationSummarySchema = z.object({
  ok: z.boolean(),
  /** Human text ("CODE: message") for pages and the `02` reply; code and message are in `verdict`. */
  reason: z.string().optional(),
  /** Why it failed, structured; absent when `ok`, and in summaries stored before it existed. */
  verdict: VerificationVerdictSchema.optional(),
  checkedAt: z.string(),
  hashMatches: z.boolean(),
  report: z.unknown().optional(),
});
export type VerificationSummary = z.infer<typeof VerificationSummarySchema>;

export const InboxSummarySchema = z.object({
  id: z.string(),
  state: IncomingStateSchema,
  statusCode: StatusCodeSchema,
  from: z.object({ code: AgencyCodeSchema, name: z.string() }),
  subject: z.string(),
  type: z.string(),
  number: z.number().int(),
  notation: z.string(),
  incomingNumber: z.number().int().optional(),
  assignee: z.string().optional(),
  receivedAt: z.string(),
  updatedAt: z.string(),
});
export type InboxSummary = z.infer<typeof InboxSummarySchema>;

export const InboxDetailSchema = InboxSummarySchema.extend({
  edxmlDocumentId: z.string(),
  file: FileRefSchema.optional(),
  reason: z.string().optional(),
  verification: VerificationSummarySchema.optional(),
  /** A recall request from the sender and this agency's answer (15 agreed, 16 refused). */
  recall: z
    .object({
      reason: z.string(),
      requestedAt: z.string(),
      answer: z.enum(['15', '16']).optional(),
      answerReason: z.string().optional(),
    })
    .optional(),
  /** edXML BusinessDocType of the delivery: 0 new, 2 update, 3 replacement. */
  businessDocType: z.number().int().optional(),
  /** The earlier received copy this delivery updates or replaces (its inbox id). */
  supersedes: z.string().optional(),
  /** A later update or replacement superseded this copy. */
  supersededBy: SupersededBySchema.optional(),
  history: z.array(HistoryEntrySchema),
});
export type InboxDetail = z.infer<typeof InboxDetailSchema>;

export const InboxListSchema = z.object({
  items: z.array(InboxSummarySchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** Why a person is told about a document they hold (worked on, or were assigned). */
export const NotificationKindSchema = z.enum(['recall_requested', 'superseded']);
export type NotificationKind = z.infer<typeof NotificationKindSchema>;

export const NotificationSchema = z.object({
  id: z.string(),
  username: z.string(),
  agency: AgencyCodeSchema,
  kind: NotificationKindSchema,
  /** The received copy (inbox id) concerned. */
  documentId: z.string(),
  message: z.string(),
  at: z.string(),
  read: z.boolean(),
});
export type Notification = z.infer<typeof NotificationSchema>;

export const NotificationListSchema = z.object({
  items: z.array(NotificationSchema),
  unread: z.number().int(),
});

export const NotificationQuerySchema = z.object({
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const AuditQuerySchema = z.object({
  documentId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const AuditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBreak: z
    .object({
      agency: z.string(),
      seq: z.number().int(),
      eventId: z.string().optional(),
      reason: z.string(),
    })
    .nullable(),
});

/** MongoDB collections of the exchange (plural snake case). */
export const ExchangeCollections = {
  documents: 'documents',
  incoming: 'incoming_documents',
  registerEntries: 'register_entries',
  registerCounters: 'register_counters',
  registerKeys: 'register_keys',
  verificationReports: 'verification_reports',
  /** Each received envelope as it arrived, for GET /documents/:id/edxml and evidence bundles. */
  receivedEnvelopes: 'received_envelopes',
  deadLetters: 'dead_letters',
  files: 'files',
  notifications: 'notifications',
} as const;

/** Who performs a human step, as the API read it from the verified token and the user directory. */
export const ActorSchema = z.object({
  username: UsernameSchema,
  agency: AgencyCodeSchema,
  roles: z.array(RoleSchema),
  fullName: z.string().optional(),
  title: z.string().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;
