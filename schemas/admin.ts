import { z } from 'zod';
import {
  AgencyCodeSchema,
  AgencyLevelSchema,
  AgencySchema,
  RoleSchema,
  UserSchema,
  UsernameSchema,
} from './identity';

/**
 * Request and response bodies of the administration API (`/api/v1/admin/users`, `/api/v1/admin/agencies`).
 * Declared in the route schemas so they show in `/openapi.json`; a bad body is a 400 naming the field.
 */

/** Passwords an administrator sets or a user chooses: long enough to resist guessing, short enough to hash. */
export const NewPasswordSchema = z.string().min(10, 'at least 10 characters').max(200);

/** Roles an agency administrator may grant: the ordinary users of its agency. */
export const ORDINARY_ROLES = ['drafter', 'approver', 'signer', 'clerk'] as const;

export const UserViewSchema = UserSchema.extend({
  passwordChangeRequired: z.boolean(),
});
export type UserView = z.infer<typeof UserViewSchema>;

export const UserListQuerySchema = z.object({
  agency: AgencyCodeSchema.optional(),
  role: RoleSchema.optional(),
  active: z.enum(['true', 'false']).optional(),
});

export const CreateUserBodySchema = z
  .object({
    username: UsernameSchema,
    fullName: z.string().trim().min(1).max(200),
    title: z.string().max(200).optional(),
    agency: AgencyCodeSchema,
    roles: z.array(RoleSchema).min(1).max(7),
    /** Initial password; when absent the server generates one and returns it once. */
    password: NewPasswordSchema.optional(),
  })
  .strict();
export type CreateUserBody = z.infer<typeof CreateUserBodySchema>;

export const UpdateUserBodySchema = z
  .object({
    fullName: z.string().trim().min(1).max(200).optional(),
    title: z.string().max(200).nullable().optional(),
    roles: z.array(RoleSchema).min(1).max(7).optional(),
    /** Moving a user to another agency: province administrator only. */
    agency: AgencyCodeSchema.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateUserBody = z.infer<typeof UpdateUserBodySchema>;

export const ReasonBodySchema = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .strict()
  .default({});

export const ResetPasswordBodySchema = z
  .object({
    /** Temporary password; when absent the server generates one and returns it once. */
    password: NewPasswordSchema.optional(),
  })
  .strict()
  .default({});

export const UserChangeResponseSchema = z.object({
  user: UserViewSchema,
  /** The generated temporary password, returned once (never stored in clear, never logged). */
  temporaryPassword: z.string().optional(),
});

export const ChangePasswordBodySchema = z
  .object({
    currentPassword: z.string().min(1).max(200),
    newPassword: NewPasswordSchema,
  })
  .strict();

export const AgencyViewSchema = AgencySchema;

export const CreateAgencyBodySchema = z
  .object({
    code: AgencyCodeSchema,
    name: z.string().trim().min(1).max(300),
    shortName: z.string().max(100).optional(),
    level: AgencyLevelSchema,
    parent: AgencyCodeSchema.nullable(),
    place: z.string().max(100).optional(),
    /** Outside the province, reached through the edXML gateway (see AgencySchema.external). */
    external: z.boolean().optional(),
  })
  .strict();
export type CreateAgencyBody = z.infer<typeof CreateAgencyBodySchema>;

export const UpdateAgencyBodySchema = z
  .object({
    name: z.string().trim().min(1).max(300).optional(),
    shortName: z.string().max(100).nullable().optional(),
    level: AgencyLevelSchema.optional(),
    parent: AgencyCodeSchema.nullable().optional(),
    place: z.string().max(100).nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });
export type UpdateAgencyBody = z.infer<typeof UpdateAgencyBodySchema>;

export const MergeAgencyBodySchema = z
  .object({
    /** The agency that takes over ("đơn vị kế thừa"). */
    successor: AgencyCodeSchema,
    /** Move the merged agency's active users to the successor (default); otherwise they are deactivated. */
    moveUsers: z.boolean().default(true),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict();

export const AgencyChangeResponseSchema = z.object({
  agency: AgencyViewSchema,
  /** Users moved to the successor (merge) or deactivated (retire, or merge without moving). */
  movedUsers: z.array(UsernameSchema).optional(),
  deactivatedUsers: z.array(UsernameSchema).optional(),
});
