import { z } from 'zod';
import { AgencyCodeSchema } from './identity';

/**
 * An append-only audit event. `id` is the idempotency key: writing the same id twice has one effect.
 * Events of one agency form a hash chain (`prevHash` → `hash`).
 */
export const AuditEventInputSchema = z.object({
  id: z.string().min(8).max(200),
  time: z.string().datetime({ offset: true }),
  agency: AgencyCodeSchema,
  actor: z.string().min(1).max(120),
  type: z.string().regex(/^[a-z][a-z0-9_.]{2,80}$/),
  documentId: z.string().max(200).optional(),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEventInput = z.infer<typeof AuditEventInputSchema>;

export const AuditEventSchema = AuditEventInputSchema.extend({
  seq: z.number().int().nonnegative(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;
