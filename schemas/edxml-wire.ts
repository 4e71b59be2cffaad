import { z } from 'zod';

/**
 * JSON model of a real edXML file (QCVN 102:2016, namespace {@link EDXML_NAMESPACE}) as read by edxml/read.ts and
 * written by edxml/write.ts. Liberal on the way in: leaf values are kept as the file spells them (a CodeNumber
 * "74fass22" stays a string), dates are normalised to ISO `yyyy-MM-dd` when they can be and kept verbatim (with a
 * note in `unmapped`) when not. Elements the model does not know travel in `extensions` as XML, so a forwarded
 * envelope loses nothing. Distinct from the internal `lienthong.edxml/1` JSON envelope in schemas/edxml.ts.
 */
export const EDXML_NAMESPACE = 'http://www.mic.gov.vn/TBT/QCVN_102_2016' as const;
export const EDXML_MODEL_VERSION = 'lienthong.edxml-wire/1' as const;

/** An element the model does not name, kept as serialised XML under its parent (`MessageHeader`, `From`, …). */
export const ExtensionSchema = z.object({ parent: z.string().min(1), xml: z.string().min(1) });
export type EdxmlExtension = z.infer<typeof ExtensionSchema>;

const text = z.string();

export const OrganSchema = z.object({
  organId: text.optional(),
  organName: text.optional(),
  organizationInCharge: text.optional(),
  organAdd: text.optional(),
  email: text.optional(),
  telephone: text.optional(),
  fax: text.optional(),
  website: text.optional(),
});
export type EdxmlOrgan = z.infer<typeof OrganSchema>;

/** A reference to an earlier document (MessageHeader/ResponseFor, Status/ResponseFor). */
export const ResponseForSchema = z.object({
  organId: text.optional(),
  code: text.optional(),
  promulgationDate: text.optional(),
  documentId: text.optional(),
});

export const ReplacementInfoSchema = z.object({
  documentId: text.optional(),
  toPlaces: z.array(text),
});

export const MessageHeaderSchema = z.object({
  from: OrganSchema.optional(),
  to: z.array(OrganSchema),
  documentId: text.optional(),
  code: z.object({ codeNumber: text.optional(), codeNotation: text.optional() }).optional(),
  promulgationInfo: z.object({ place: text.optional(), promulgationDate: text.optional() }).optional(),
  documentType: z
    .object({ type: text.optional(), typeDetail: text.optional(), typeName: text.optional() })
    .optional(),
  subject: text.optional(),
  content: text.optional(),
  signerInfo: z
    .object({ competence: text.optional(), position: text.optional(), fullName: text.optional() })
    .optional(),
  dueDate: text.optional(),
  toPlaces: z.array(text),
  otherInfo: z
    .object({
      priority: text.optional(),
      sphereOfPromulgation: text.optional(),
      steeringType: text.optional(),
      promulgationAmount: text.optional(),
      pageAmount: text.optional(),
    })
    .optional(),
  responseFor: z.array(ResponseForSchema),
  steeringType: text.optional(),
  /** "Bussiness" (sic, the standard's spelling). */
  business: z
    .object({
      businessDocType: text.optional(),
      businessDocReason: text.optional(),
      paper: text.optional(),
      replacementInfoList: z.array(ReplacementInfoSchema),
    })
    .optional(),
});
export type EdxmlMessageHeader = z.infer<typeof MessageHeaderSchema>;

export const TraceHeaderSchema = z.object({ organId: text.optional(), timestamp: text.optional() });

export const AttachmentSchema = z.object({
  contentId: text.optional(),
  contentType: text.optional(),
  attachmentName: text.optional(),
  description: text.optional(),
  /** Base64 content with whitespace removed. */
  contentBase64: text.optional(),
});
export type EdxmlAttachment = z.infer<typeof AttachmentSchema>;

export const ManifestReferenceSchema = z.object({
  contentId: text.optional(),
  contentType: text.optional(),
  description: text.optional(),
  attachmentName: text.optional(),
});

export const StatusSchema = z.object({
  from: OrganSchema.optional(),
  responseFor: ResponseForSchema.optional(),
  /** 01–06, 13, 15, 16 in the standard; kept as written. */
  statusCode: text.optional(),
  description: text.optional(),
  timestamp: text.optional(),
  staffInfo: z
    .object({
      department: text.optional(),
      staff: text.optional(),
      email: text.optional(),
      mobile: text.optional(),
    })
    .optional(),
});
export type EdxmlStatus = z.infer<typeof StatusSchema>;

/** Verdict on the XMLDSig of a signed file (edxml/signature.ts). */
export const SignatureVerdictSchema = z.object({
  /** The signature value and every reference digest check out. */
  intact: z.boolean(),
  /** The signed content includes the message header (or status) as parsed. */
  coversHeader: z.boolean(),
  signer: text.optional(),
  /** Path validation against the anchors (absent when no anchor was given). */
  chain: z.object({ valid: z.boolean(), code: text, message: text }).optional(),
  valid: z.boolean(),
  reason: text.optional(),
});
export type SignatureVerdict = z.infer<typeof SignatureVerdictSchema>;

const common = {
  version: z.literal(EDXML_MODEL_VERSION),
  traces: z.array(TraceHeaderSchema),
  extensions: z.array(ExtensionSchema),
  /** What the reader found but could not map to the model (odd dates, unknown structure), for the operator. */
  unmapped: z.array(text),
  signed: z.boolean(),
};

export const EdxmlEnvelopeSchema = z.object({
  ...common,
  kind: z.literal('envelope'),
  header: MessageHeaderSchema,
  manifest: z.array(ManifestReferenceSchema),
  attachments: z.array(AttachmentSchema),
});
export type EdxmlEnvelope = z.infer<typeof EdxmlEnvelopeSchema>;

export const EdxmlStatusMessageSchema = z.object({
  ...common,
  kind: z.literal('status'),
  status: StatusSchema,
});
export type EdxmlStatusMessage = z.infer<typeof EdxmlStatusMessageSchema>;

export const EdxmlMessageSchema = z.discriminatedUnion('kind', [
  EdxmlEnvelopeSchema,
  EdxmlStatusMessageSchema,
]);
export type EdxmlMessage = z.infer<typeof EdxmlMessageSchema>;
