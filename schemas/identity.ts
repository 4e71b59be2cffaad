import { z } from 'zod';

/** User roles. `clerk` is the "văn thư"; `signer` the competent leader ("người có thẩm quyền ký"). */
export const Roles = [
  'drafter',
  'approver',
  'signer',
  'clerk',
  'agency_admin',
  'province_admin',
  'leadership',
] as const;
export const RoleSchema = z.enum(Roles);
export type Role = z.infer<typeof RoleSchema>;

/**
 * National agency code (mã định danh cơ quan, e.g. `000.00.31.H29`): dot-separated groups of digits/letters.
 * Kept permissive on group lengths, strict on the alphabet so it can be mapped to NATS tokens.
 */
export const AgencyCodeSchema = z
  .string()
  .regex(/^[0-9A-Z]{2,4}(\.[0-9A-Z]{2,4}){1,5}$/, 'agency code must look like 000.00.31.H29');
export type AgencyCode = z.infer<typeof AgencyCodeSchema>;

/**
 * Agency levels are data, not an enum: the demo province uses the two-level local government in force since
 * 1 July 2025 (province, departments, communes/wards); the older three-level structure adds `district`.
 */
export const AgencyLevelSchema = z
  .string()
  .regex(/^[a-z][a-z_]{1,31}$/)
  .describe('e.g. province, department, district, commune');
export type AgencyLevel = z.infer<typeof AgencyLevelSchema>;

export const AgencySchema = z.object({
  code: AgencyCodeSchema,
  name: z.string().min(1).max(300),
  shortName: z.string().max(100).optional(),
  level: AgencyLevelSchema,
  parent: AgencyCodeSchema.nullable(),
  /** Place name used in the promulgation line ("Tân Phú, ngày … tháng … năm …"). */
  place: z.string().max(100).optional(),
  active: z.boolean().default(true),
  /**
   * Set when the agency was merged into another ("sáp nhập"): its documents, registers and KPIs are read under the
   * successor. A retired agency without a successor was dissolved.
   */
  successor: AgencyCodeSchema.optional(),
  /** When the agency was merged or retired (ISO 8601). */
  retiredAt: z.string().optional(),
  /**
   * An agency outside the province (a ministry, another province, the Government Office), reached through the
   * national exchange platform ("trục liên thông văn bản quốc gia") by the edXML gateway (api/edxml-gateway.ts):
   * documents and statuses addressed to it leave as edXML, and it may send edXML to the province's inbox.
   */
  external: z.boolean().optional(),
});
export type Agency = z.infer<typeof AgencySchema>;

export const UsernameSchema = z
  .string()
  .min(2)
  .max(80)
  .regex(/^[a-z0-9._-]+$/, 'lowercase letters, digits, dot, dash, underscore');

export const UserSchema = z.object({
  username: UsernameSchema,
  fullName: z.string().min(1).max(200),
  title: z.string().max(200).optional(),
  agency: AgencyCodeSchema,
  roles: z.array(RoleSchema).min(1),
  active: z.boolean().default(true),
  /** Set by a password reset: the user must choose a new password before any other request is served. */
  passwordChangeRequired: z.boolean().optional(),
});
export type User = z.infer<typeof UserSchema>;

/** What a verified JWT says about its bearer. */
export const PrincipalSchema = z.object({
  username: UsernameSchema,
  agency: AgencyCodeSchema,
  roles: z.array(RoleSchema),
  /** Claim `pwc`: the token only allows `POST /api/v1/auth/password` until the password is changed. */
  passwordChangeRequired: z.boolean().optional(),
});
export type Principal = z.infer<typeof PrincipalSchema>;
