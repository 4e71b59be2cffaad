import { z } from 'zod';
import { DocumentTypeSchema } from './document';
import { AgencyCodeSchema } from './identity';
import { DaySchema } from './kpi';

/**
 * A paper document ("văn bản giấy") exchanged between two agencies of the province, registered by a clerk of the
 * sender (`direction: "sent"`) or of a recipient (`"received"`). One registration per document: the same sender,
 * number and date is refused the second time (409), whichever side registers first; the document then appears in
 * the sent register of the sender and the received register of each recipient.
 */
export const RegisterPaperDocumentSchema = z
  .object({
    direction: z.enum(['sent', 'received']),
    from: AgencyCodeSchema,
    /** One recipient or several. */
    to: z.union([AgencyCodeSchema, z.array(AgencyCodeSchema).min(1).max(200)]),
    /** Number in the sender's register ("số"). */
    number: z.number().int().positive().max(9_999_999),
    /** Notation ("ký hiệu"), e.g. "QĐ-UBND". */
    notation: z.string().trim().min(1).max(100),
    /** Date of the document ("ngày ban hành"), yyyy-MM-dd; decides the KPI period. */
    date: DaySchema,
    type: DocumentTypeSchema,
    subject: z.string().trim().min(1).max(1000),
    /** Also sent electronically: registered for the record, but counted once (as electronic) in the KPIs. */
    alsoElectronic: z.boolean().optional(),
  })
  .transform((b) => ({ ...b, to: [...new Set(Array.isArray(b.to) ? b.to : [b.to])] }))
  .refine((b) => !b.to.includes(b.from), {
    message: 'a document is not sent to its own sender',
    path: ['to'],
  });
export type RegisterPaperDocument = z.infer<typeof RegisterPaperDocumentSchema>;

export const PaperDocumentSchema = z.object({
  id: z.string(),
  direction: z.enum(['sent', 'received']),
  from: AgencyCodeSchema,
  fromName: z.string().optional(),
  to: z.array(AgencyCodeSchema),
  number: z.number().int(),
  notation: z.string(),
  date: DaySchema,
  type: DocumentTypeSchema,
  subject: z.string(),
  alsoElectronic: z.boolean(),
  registeredBy: z.string(),
  registeredByAgency: AgencyCodeSchema,
  registeredAt: z.string(),
});
export type PaperDocument = z.infer<typeof PaperDocumentSchema>;

export const PaperDocumentQuerySchema = z.object({
  /** `sent`: the agency's outgoing paper register; `received`: incoming; both when absent. */
  register: z.enum(['sent', 'received']).optional(),
  agency: AgencyCodeSchema.optional(),
  from: DaySchema.optional(),
  to: DaySchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const PaperDocumentListSchema = z.object({
  items: z.array(PaperDocumentSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** Id of a paper document: its sender, date and number (the duplicate key). */
export function paperDocumentId(from: string, date: string, number: number): string {
  return `paper:${from}:${date}:${number}`;
}
