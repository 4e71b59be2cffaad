import { z } from 'zod';
import { AgencySchema, RoleSchema, UsernameSchema, AgencyCodeSchema } from './identity';

/** RFC 9457 problem details, with our stable `code` and optional per-field errors. */
export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const LoginRequestSchema = z.object({
  username: z.string().min(1).max(80),
  password: z.string().min(1).max(200),
});

export const LoginResponseSchema = z.object({
  token: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.string(),
  user: z.object({
    username: UsernameSchema,
    fullName: z.string(),
    agency: AgencyCodeSchema,
    roles: z.array(RoleSchema),
  }),
  /** After an administrator's reset: the token serves only `POST /api/v1/auth/password` until it is changed. */
  passwordChangeRequired: z.boolean(),
});

export const DependencyStatusSchema = z.object({
  status: z.enum(['ok', 'error']),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
});

export const SmokeStatusSchema = DependencyStatusSchema.extend({
  workflowId: z.string().optional(),
  streamSeq: z.number().optional(),
  auditEventId: z.string().optional(),
});

export const HealthSchema = z.object({
  status: z.enum(['ok', 'error']),
  dependencies: z.object({
    temporal: DependencyStatusSchema,
    nats: DependencyStatusSchema,
    mongo: DependencyStatusSchema,
  }),
  /**
   * With `?deep=true`: a workflow published to JetStream, consumed it, and wrote + read its record in
   * `smoke_checks` (`auditEventId` names that record; smoke checks never enter the audit chain).
   */
  smoke: SmokeStatusSchema.optional(),
});
export type Health = z.infer<typeof HealthSchema>;

export const AgencyListSchema = z.object({ items: z.array(AgencySchema) });
