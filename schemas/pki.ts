import { z } from 'zod';
import { AgencyCodeSchema, UsernameSchema } from './identity';

/** RFC 5280 5.3.1 reasons an administrator may give. */
export const RevocationReasonSchema = z.enum([
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
]);
export type RevocationReason = z.infer<typeof RevocationReasonSchema>;

export const CertificateProfileSchema = z.enum(['organisation', 'personal']);

export const CertificateRequestStates = ['PENDING', 'APPROVED', 'REJECTED', 'ISSUED'] as const;

/** An agency registers a certificate need: who, which profile, why. */
export const CreateCertificateRequestSchema = z
  .object({
    agency: AgencyCodeSchema.optional().describe("defaults to the caller's agency"),
    profile: CertificateProfileSchema,
    username: UsernameSchema.optional().describe('holder of a personal certificate'),
    reason: z.string().min(3).max(500),
  })
  .refine((r) => r.profile === 'organisation' || !!r.username, {
    message: 'a personal certificate needs a username',
    path: ['username'],
  });

export const CertificateRequestSchema = z.object({
  id: z.string(),
  agency: AgencyCodeSchema,
  profile: CertificateProfileSchema,
  username: z.string().optional(),
  reason: z.string(),
  state: z.enum(CertificateRequestStates),
  requestedBy: z.string(),
  requestedAt: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  decisionNote: z.string().optional(),
  serialHex: z.string().optional(),
});
export type CertificateRequest = z.infer<typeof CertificateRequestSchema>;

export const IssueCertificateBodySchema = z
  .object({
    keyDelivery: z.enum(['server', 'pkcs12']).default('server'),
    pkcs12Passphrase: z
      .string()
      .min(8)
      .max(128)
      .regex(/^[\x20-\x7e]+$/, 'printable ASCII only (PKCS#12 interoperability)')
      .optional(),
  })
  .refine((b) => b.keyDelivery !== 'pkcs12' || !!b.pkcs12Passphrase, {
    message: 'pkcs12 delivery needs a passphrase',
    path: ['pkcs12Passphrase'],
  });

export const CertificateViewSchema = z.object({
  serialHex: z.string(),
  agency: AgencyCodeSchema,
  profile: CertificateProfileSchema,
  username: z.string().optional(),
  subject: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  status: z.enum(['active', 'revoked']),
  revokedAt: z.string().optional(),
  revocationReason: z.string().optional(),
  keyHolder: z.enum(['server', 'subscriber']),
  /** An imported key not (yet) chosen as its holder's signing or sealing key. */
  standby: z.boolean().optional(),
});
export type CertificateView = z.infer<typeof CertificateViewSchema>;

export const IssuedCertificateResponseSchema = z.object({
  request: CertificateRequestSchema,
  certificate: CertificateViewSchema,
  /** Encrypted PKCS#12 (certificate, chain and key), only when keyDelivery is 'pkcs12'. Shown once. */
  pkcs12Base64: z.string().optional(),
});

export const RevokeBodySchema = z.object({ reason: RevocationReasonSchema });

export const ImportPkcs12BodySchema = z
  .object({
    agency: AgencyCodeSchema.optional(),
    profile: CertificateProfileSchema,
    username: UsernameSchema.optional(),
    pkcs12Base64: z.string().min(16).max(200_000),
    passphrase: z.string().min(1).max(128),
    /**
     * Make the imported key the holder's signing key (personal) or the agency's sealing key (organisation) at once;
     * otherwise it waits on standby for `POST /pki/certificates/:serial/select`. Audited either way.
     */
    select: z.boolean().default(false),
  })
  .refine((r) => r.profile === 'organisation' || !!r.username, {
    message: 'a personal certificate needs a username',
    path: ['username'],
  });

/** An agency reports that a leader left (thay đổi nhân sự lãnh đạo). */
export const PersonnelChangeBodySchema = z.object({
  agency: AgencyCodeSchema.optional(),
  leaver: UsernameSchema,
  successor: UsernameSchema.optional(),
  effectiveAt: z.string().datetime({ offset: true }).optional(),
  note: z.string().max(1000).optional(),
});

export const PersonnelChangeSchema = z.object({
  id: z.string(),
  agency: AgencyCodeSchema,
  leaver: z.string(),
  successor: z.string().optional(),
  effectiveAt: z.string(),
  note: z.string().optional(),
  recordedBy: z.string(),
  revokedSerials: z.array(z.string()),
  reroutedDocuments: z.number().int(),
});
export type PersonnelChange = z.infer<typeof PersonnelChangeSchema>;

/** MongoDB collections of personnel changes: the records, and which documents each change has re-routed. */
export const PersonnelCollections = {
  changes: 'personnel_changes',
  reroutes: 'personnel_change_reroutes',
} as const;

/** Workflow id of a personnel change: business-keyed, so the same change cannot be started twice. */
export function personnelChangeWorkflowId(changeId: string): string {
  return `personnel-change:${changeId}`;
}

/** A personnel change accepted but not finished yet (202): poll GET /pki/personnel-changes/{id}. */
export const PersonnelChangeRunningSchema = z.object({
  id: z.string(),
  status: z.literal('running'),
  workflowId: z.string(),
});
