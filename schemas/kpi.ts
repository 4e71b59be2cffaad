import { z } from 'zod';
import { AgencyCodeSchema, AgencyLevelSchema } from './identity';

/** Targets of the provincial plan: 80% of exchanged documents electronic and valid, 100% certificate coverage. */
export const KPI_TARGETS = Object.freeze({ electronicShare: 0.8, coverage: 1 });

/** Below the target by at most this much is amber; further below is red. */
export const KPI_AMBER_MARGIN = 0.2;

/** Default time a recipient has to accept (`03`) a received document before it counts as late. */
export const DEFAULT_ACCEPT_SLA_HOURS = 24;

/**
 * MongoDB collections of the KPI model (plural snake case). Collections that are updated are partitioned so that each
 * stays small: FerretDB v1 (the dev stack) reads a whole collection for every update or delete, even by `_id`.
 */
export const KpiCollections = {
  /** Counters, one document per agency (`agency|day`), one collection per Vietnamese day: `kpi_days_<yyyy>_<MM>_<dd>`. */
  daysPrefix: 'kpi_days_',
  /** The same counters summed per agency and month, one collection per month: `kpi_months_<yyyy>_<MM>`. */
  monthsPrefix: 'kpi_months_',
  /**
   * Items open now (not yet sent, awaiting acceptance with the receipt time, overdue approval), one document per
   * item, one collection per day of the item's first opening: `kpi_open_<yyyy>_<MM>_<dd>`.
   */
  openPrefix: 'kpi_open_',
  /** Issue times of documents some recipient has not answered yet (never listed): `kpi_tracks_<yyyy>_<MM>_<dd>`. */
  tracksPrefix: 'kpi_tracks_',
  /** Item id → the day partition that holds it (insert-only, so that it stays cheap however large it grows). */
  openIndex: 'kpi_open_index',
  /** Ids of the events already counted (idempotency tokens), by month of the event: `kpi_applied_<yyyy>_<MM>`. */
  appliedPrefix: 'kpi_applied_',
  /** One document (`changes`) announcing writes to settled periods, so readers invalidate their caches precisely. */
  versions: 'kpi_versions',
  /** Layout before the partitions by day (dropped by the rebuild, which migrates). */
  legacyOpen: 'kpi_open',
  legacyTracks: 'kpi_tracks',
  settings: 'kpi_settings',
  paperDocuments: 'paper_documents',
} as const;

/** A calendar day in Vietnam, `yyyy-MM-dd`. */
export const DaySchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'yyyy-MM-dd');

export const StatusColourSchema = z.enum(['green', 'amber', 'red', 'none']);
export type StatusColour = z.infer<typeof StatusColourSchema>;

export const FormatSchema = z.enum(['json', 'csv']).optional();

/** Query of the summary and the agency table; `agency` narrows a province view to one agency (drill-down). */
export const KpiQuerySchema = z.object({
  from: DaySchema.optional().describe(
    'first day of the period (inclusive, Asia/Ho_Chi_Minh); default 1 January',
  ),
  to: DaySchema.optional().describe('last day of the period (inclusive); default today'),
  level: AgencyLevelSchema.optional(),
  agency: AgencyCodeSchema.optional(),
  slaHours: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .optional()
    .describe('acceptance SLA used for late acceptances; default per agency setting'),
  format: FormatSchema,
});
export type KpiQuery = z.infer<typeof KpiQuerySchema>;

export const TrendQuerySchema = z.object({
  months: z.coerce.number().int().min(1).max(60).default(12),
  agency: AgencyCodeSchema.optional(),
  level: AgencyLevelSchema.optional(),
  format: FormatSchema,
});

export const AgencyRefSchema = z.object({
  code: AgencyCodeSchema,
  name: z.string(),
  level: z.string(),
});
export type AgencyRef = z.infer<typeof AgencyRefSchema>;

export const ReasonCountSchema = z.object({ reason: z.string(), count: z.number().int() });
export type ReasonCount = z.infer<typeof ReasonCountSchema>;

/** KPI 1: numerator, denominator and share of electronic, validly signed exchange. */
export const ExchangeShareSchema = z.object({
  /** Electronic deliveries verified valid on receipt (numerator). */
  electronicValid: z.number().int(),
  /** Electronic deliveries received and checked, valid or not. */
  electronic: z.number().int(),
  /** Registered paper deliveries (not also sent electronically). */
  paper: z.number().int(),
  /** electronic + paper (denominator). */
  total: z.number().int(),
  /** electronicValid / total, null when nothing was exchanged. */
  share: z.number().nullable(),
  target: z.number(),
  status: StatusColourSchema,
});
export type ExchangeShare = z.infer<typeof ExchangeShareSchema>;

/** KPI 2: certificate coverage and use. */
export const CoverageSchema = z.object({
  agencies: z.number().int(),
  withCertificate: z.number().int(),
  certificateShare: z.number().nullable(),
  signedAndSent: z.number().int(),
  sentShare: z.number().nullable(),
  target: z.number(),
  certificateStatus: StatusColourSchema,
  sentStatus: StatusColourSchema,
  missingCertificate: z.array(AgencyRefSchema),
  notSent: z.array(AgencyRefSchema),
});
export type Coverage = z.infer<typeof CoverageSchema>;

/** KPI 3: exchange health tiles. */
export const HealthSchema = z.object({
  notYetSent: z.number().int(),
  sendFailures: z.number().int(),
  returned: z.object({ count: z.number().int(), topReasons: z.array(ReasonCountSchema) }),
  rejected: z.object({ count: z.number().int(), topReasons: z.array(ReasonCountSchema) }),
  lateAcceptance: z.object({
    /** SLA used for the default agency (per-agency settings may differ). */
    slaHours: z.number(),
    accepted: z.number().int(),
    acceptedLate: z.number().int(),
    /** Received, neither accepted nor rejected, and older than the SLA now. */
    pendingOverdue: z.number().int(),
  }),
  verificationFailures: z.object({ count: z.number().int(), byReason: z.array(ReasonCountSchema) }),
  issueToAcceptance: z.object({
    count: z.number().int(),
    medianMinutes: z.number().nullable(),
    p95Minutes: z.number().nullable(),
  }),
  approvalsOverdue: z.object({ open: z.number().int(), inPeriod: z.number().int() }),
});
export type Health = z.infer<typeof HealthSchema>;

export const ExpiringCertificateSchema = z.object({
  serialHex: z.string(),
  agency: z.string(),
  profile: z.enum(['organisation', 'personal']),
  username: z.string().optional(),
  notAfter: z.string(),
});

/** KPI 4: certificates expiring soon and revocations. */
export const CertificateKpiSchema = z.object({
  expiring: z.object({ within30: z.number().int(), within60: z.number().int(), within90: z.number().int() }),
  expiringSoon: z.array(ExpiringCertificateSchema),
  revocations: z.object({ total: z.number().int(), byReason: z.array(ReasonCountSchema) }),
});
export type CertificateKpi = z.infer<typeof CertificateKpiSchema>;

export const PeriodSchema = z.object({ from: DaySchema, to: DaySchema, timeZone: z.string() });
export type Period = z.infer<typeof PeriodSchema>;

export const ScopeSchema = z.object({
  kind: z.enum(['province', 'agency']),
  agency: AgencyCodeSchema.optional(),
  level: z.string().optional(),
});
export type Scope = z.infer<typeof ScopeSchema>;

export const LevelBreakdownSchema = z.object({
  level: z.string(),
  exchange: ExchangeShareSchema,
  coverage: CoverageSchema,
});
export type LevelBreakdown = z.infer<typeof LevelBreakdownSchema>;

export const KpiSummarySchema = z.object({
  period: PeriodSchema,
  scope: ScopeSchema,
  generatedAt: z.string(),
  exchange: ExchangeShareSchema,
  coverage: CoverageSchema,
  health: HealthSchema,
  certificates: CertificateKpiSchema,
  levels: z.array(LevelBreakdownSchema),
});
export type KpiSummary = z.infer<typeof KpiSummarySchema>;

/** One row of the agency table. */
export const AgencyKpiRowSchema = z.object({
  code: AgencyCodeSchema,
  name: z.string(),
  shortName: z.string().optional(),
  level: z.string(),
  electronicValid: z.number().int(),
  electronic: z.number().int(),
  paper: z.number().int(),
  total: z.number().int(),
  share: z.number().nullable(),
  shareStatus: StatusColourSchema,
  hasValidCertificate: z.boolean(),
  sent: z.number().int(),
  coverageStatus: StatusColourSchema,
  issued: z.number().int(),
  notYetSent: z.number().int(),
  sendFailures: z.number().int(),
  returned: z.number().int(),
  rejected: z.number().int(),
  verificationFailures: z.number().int(),
  accepted: z.number().int(),
  acceptedLate: z.number().int(),
  pendingOverdue: z.number().int(),
  medianIssueToAcceptanceMinutes: z.number().nullable(),
  approvalsOverdue: z.number().int(),
});
export type AgencyKpiRow = z.infer<typeof AgencyKpiRowSchema>;

export const AgencyKpiTableSchema = z.object({
  period: PeriodSchema,
  scope: ScopeSchema,
  targets: z.object({ electronicShare: z.number(), coverage: z.number() }),
  items: z.array(AgencyKpiRowSchema),
});
export type AgencyKpiTable = z.infer<typeof AgencyKpiTableSchema>;

export const TrendPointSchema = z.object({
  month: z.string().regex(/^\d{4}-\d{2}$/),
  electronicValid: z.number().int(),
  electronic: z.number().int(),
  paper: z.number().int(),
  total: z.number().int(),
  share: z.number().nullable(),
  sent: z.number().int(),
});
export type TrendPoint = z.infer<typeof TrendPointSchema>;

export const KpiTrendSchema = z.object({
  scope: ScopeSchema,
  target: z.number(),
  months: z.array(TrendPointSchema),
});
export type KpiTrend = z.infer<typeof KpiTrendSchema>;

/** Something open now that a leader may drill into (a document not yet sent, awaiting acceptance, overdue). */
export const OpenItemViewSchema = z.object({
  kind: z.enum(['unsent', 'issued', 'await03', 'overdue']),
  agency: z.string(),
  documentId: z.string(),
  since: z.string(),
  from: z.string().optional(),
  pending: z.array(z.string()).optional(),
});
export type OpenItemView = z.infer<typeof OpenItemViewSchema>;

export const AgencyDrillDownSchema = z.object({
  agency: AgencyRefSchema,
  row: AgencyKpiRowSchema,
  summary: KpiSummarySchema,
  openItems: z.array(OpenItemViewSchema),
});

export const SlaSettingsSchema = z.object({
  defaultHours: z
    .number()
    .positive()
    .max(24 * 90),
  agencies: z
    .array(
      z.object({
        agency: AgencyCodeSchema,
        hours: z
          .number()
          .positive()
          .max(24 * 90),
      }),
    )
    .max(1000)
    .default([]),
});
export type SlaSettings = z.infer<typeof SlaSettingsSchema>;

export const YearlyReportQuerySchema = z.object({
  year: z.coerce.number().int().min(2000).max(2100),
  agency: AgencyCodeSchema.optional(),
});
