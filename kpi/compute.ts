import {
  KPI_AMBER_MARGIN,
  KPI_TARGETS,
  type AgencyKpiRow,
  type AgencyRef,
  type CertificateKpi,
  type Coverage,
  type ExchangeShare,
  type Health,
  type KpiSummary,
  type KpiTrend,
  type LevelBreakdown,
  type ReasonCount,
  type Scope,
  type SlaSettings,
  type StatusColour,
  type TrendPoint,
} from '../schemas/kpi';
import type { Agency } from '../schemas/identity';
import { Dims, HistogramDims, unescapeKey, type OpenItem } from './event-effects';
import { addToHistogram, countAtLeast, quantile, type Histogram } from './histogram';
import { dayEnd, dayStart, monthOf, TIME_ZONE, type DayRange } from './period';

/** What the KPIs need to know about a certificate (a projection of the PKI store's records). */
export interface CertificateFact {
  serialHex: string;
  agency: string;
  profile: 'organisation' | 'personal';
  username?: string;
  notBefore: Date;
  notAfter: Date;
  status: 'active' | 'revoked';
  revokedAt?: Date;
  revocationReason?: string;
}

/** Counter rows as read from the store (one agency, one day). */
export interface CounterRow {
  agency: string;
  day: string;
  c: Record<string, number>;
}

/** Everything a KPI computation reads; all of it already loaded, so the functions below are pure. */
export interface KpiInputs {
  period: DayRange;
  now: Date;
  /** Agencies in scope (active ones), in display order. */
  agencies: Agency[];
  counters: CounterRow[];
  open: OpenItem[];
  certificates: CertificateFact[];
  sla: SlaSettings;
  /** Overrides every agency's SLA (query parameter). */
  slaHours?: number;
}

const LEVEL_ORDER = ['province', 'department', 'district', 'commune'];

export function levelRank(level: string): number {
  const i = LEVEL_ORDER.indexOf(level);
  return i >= 0 ? i : LEVEL_ORDER.length;
}

/** Green at or above the target, amber within {@link KPI_AMBER_MARGIN} below it, red further below. */
export function colourOf(share: number | null, target: number): StatusColour {
  if (share === null) return 'none';
  if (share >= target - 1e-9) return 'green';
  if (share >= target - KPI_AMBER_MARGIN - 1e-9) return 'amber';
  return 'red';
}

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** Sums counter rows per agency. */
export function totalsByAgency(rows: CounterRow[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const row of rows) {
    let t = out.get(row.agency);
    if (!t) out.set(row.agency, (t = {}));
    sumInto(t, row.c);
  }
  return out;
}

/** Adds `source` into `target` (a plain loop: dashboards sum a few hundred rows of ~100 counters per query). */
export function sumInto(target: Record<string, number>, source: Record<string, number> | undefined): void {
  if (!source) return;
  for (const k in source) target[k] = (target[k] ?? 0) + source[k];
}

function histogramOf(t: Record<string, number>, dim: string): Histogram {
  const h: Histogram = new Map();
  const prefix = `${dim}:`;
  for (const [k, n] of Object.entries(t))
    if (k.startsWith(prefix)) addToHistogram(h, Number(k.slice(prefix.length)), n);
  return h;
}

function reasonsOf(t: Record<string, number>, dim: string, top?: number): ReasonCount[] {
  const prefix = `${dim}:`;
  const list = Object.entries(t)
    .filter(([k, n]) => k.startsWith(prefix) && n > 0)
    .map(([k, n]) => ({ reason: unescapeKey(k.slice(prefix.length)), count: n }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return top === undefined ? list : list.slice(0, top);
}

/** Whether an organisation certificate of the agency was valid at `at`. */
export function hasValidOrganisationCertificate(certs: CertificateFact[], agency: string, at: Date): boolean {
  const t = at.getTime();
  return certs.some(
    (c) =>
      c.agency === agency &&
      c.profile === 'organisation' &&
      c.notBefore.getTime() <= t &&
      t < c.notAfter.getTime() &&
      (c.status === 'active' || (c.revokedAt !== undefined && c.revokedAt.getTime() > t)),
  );
}

/** The instant coverage is judged at: the end of the period, or now when the period is not over. */
export function coverageInstant(period: DayRange, now: Date): Date {
  const end = dayEnd(period.to).getTime() - 1;
  return new Date(Math.min(end, now.getTime()));
}

function slaHoursOf(inputs: KpiInputs, agency: string): number {
  if (inputs.slaHours !== undefined) return inputs.slaHours;
  return inputs.sla.agencies.find((a) => a.agency === agency)?.hours ?? inputs.sla.defaultHours;
}

function exchangeOf(t: Record<string, number>): ExchangeShare {
  const electronicValid = t[Dims.electronicValid] ?? 0;
  const electronic = t[Dims.electronic] ?? 0;
  const paper = t[Dims.paper] ?? 0;
  const total = electronic + paper;
  const share = ratio(electronicValid, total);
  return {
    electronicValid,
    electronic,
    paper,
    total,
    share,
    target: KPI_TARGETS.electronicShare,
    status: colourOf(share, KPI_TARGETS.electronicShare),
  };
}

const ref = (a: Agency): AgencyRef => ({ code: a.code, name: a.name, level: a.level });

/** One row of the agency table. */
export function agencyRow(
  inputs: KpiInputs,
  agency: Agency,
  totals: Map<string, Record<string, number>>,
): AgencyKpiRow {
  const t = totals.get(agency.code) ?? {};
  const ex = exchangeOf(t);
  const hasCert = hasValidOrganisationCertificate(
    inputs.certificates,
    agency.code,
    coverageInstant(inputs.period, inputs.now),
  );
  const sent = t[Dims.sent] ?? 0;
  const slaMinutes = slaHoursOf(inputs, agency.code) * 60;
  const mine = openStatsOf(inputs.open).get(agency.code) ?? NOTHING_OPEN;
  const overdueBefore = inputs.now.getTime() - slaMinutes * 60_000;
  return {
    code: agency.code,
    name: agency.name,
    shortName: agency.shortName,
    level: agency.level,
    electronicValid: ex.electronicValid,
    electronic: ex.electronic,
    paper: ex.paper,
    total: ex.total,
    share: ex.share,
    shareStatus: ex.status,
    hasValidCertificate: hasCert,
    sent,
    coverageStatus: hasCert && sent > 0 ? 'green' : hasCert || sent > 0 ? 'amber' : 'red',
    issued: t[Dims.issued] ?? 0,
    notYetSent: mine.unsent,
    sendFailures: t[Dims.sendFailed] ?? 0,
    returned: t[Dims.returned] ?? 0,
    rejected: t[Dims.rejected] ?? 0,
    verificationFailures: t[Dims.verificationFailed] ?? 0,
    accepted: t[Dims.accepted] ?? 0,
    acceptedLate: countAtLeast(histogramOf(t, HistogramDims.receiptToAcceptance), slaMinutes),
    pendingOverdue: countAtOrBefore(mine.awaitingSince, overdueBefore),
    medianIssueToAcceptanceMinutes: quantile(histogramOf(t, HistogramDims.issueToAcceptance), 0.5),
    approvalsOverdue: mine.overdueApprovals,
  };
}

/** What the dashboard counts of one agency's open items. */
interface AgencyOpenStats {
  unsent: number;
  overdueApprovals: number;
  /** When each delivery still awaiting its `03` was received, in epoch ms. */
  awaitingSince: number[];
}

const NOTHING_OPEN: AgencyOpenStats = { unsent: 0, overdueApprovals: 0, awaitingSince: [] };
const openStatsCache = new WeakMap<readonly OpenItem[], Map<string, AgencyOpenStats>>();
/**
 * Receipt times parsed once per item: the read model keeps the items of settled days as the same objects from one
 * query to the next, so a province-year's tens of thousands of open items are not parsed again by every query.
 */
const sinceMsCache = new WeakMap<OpenItem, number>();

function sinceMs(item: OpenItem): number {
  let ms = sinceMsCache.get(item);
  if (ms === undefined) sinceMsCache.set(item, (ms = Date.parse(item.since)));
  return ms;
}

/**
 * The open items counted per agency in one pass, once per list: a table of 25 agencies filtered the whole list 25
 * times, three ways each, and re-parsed every receipt time.
 */
function openStatsOf(open: readonly OpenItem[]): Map<string, AgencyOpenStats> {
  let stats = openStatsCache.get(open);
  if (stats) return stats;
  stats = new Map();
  for (const item of open) {
    let s = stats.get(item.agency);
    if (!s) stats.set(item.agency, (s = { unsent: 0, overdueApprovals: 0, awaitingSince: [] }));
    if (item.kind === 'unsent') s.unsent++;
    else if (item.kind === 'overdue') s.overdueApprovals++;
    else if (item.kind === 'await03') s.awaitingSince.push(sinceMs(item));
  }
  openStatsCache.set(open, stats);
  return stats;
}

function countAtOrBefore(times: readonly number[], limit: number): number {
  let n = 0;
  for (const t of times) if (t <= limit) n++;
  return n;
}

/** The agency table, one row per agency in scope, in the order given. */
export function agencyRows(inputs: KpiInputs): AgencyKpiRow[] {
  const totals = totalsByAgency(inputs.counters);
  return inputs.agencies.map((a) => agencyRow(inputs, a, totals));
}

function coverageOf(rows: AgencyKpiRow[], agencies: Agency[]): Coverage {
  const byCode = new Map(agencies.map((a) => [a.code, a]));
  const withCertificate = rows.filter((r) => r.hasValidCertificate).length;
  const signedAndSent = rows.filter((r) => r.sent > 0).length;
  const certificateShare = ratio(withCertificate, rows.length);
  const sentShare = ratio(signedAndSent, rows.length);
  return {
    agencies: rows.length,
    withCertificate,
    certificateShare,
    signedAndSent,
    sentShare,
    target: KPI_TARGETS.coverage,
    certificateStatus: colourOf(certificateShare, KPI_TARGETS.coverage),
    sentStatus: colourOf(sentShare, KPI_TARGETS.coverage),
    missingCertificate: rows.filter((r) => !r.hasValidCertificate).map((r) => ref(byCode.get(r.code)!)),
    notSent: rows.filter((r) => r.sent === 0).map((r) => ref(byCode.get(r.code)!)),
  };
}

function certificateKpi(inputs: KpiInputs, codes: Set<string>): CertificateKpi {
  const now = inputs.now.getTime();
  const day = 24 * 3600_000;
  const active = inputs.certificates.filter(
    (c) => codes.has(c.agency) && c.status === 'active' && c.notAfter.getTime() > now,
  );
  const within = (days: number) => active.filter((c) => c.notAfter.getTime() <= now + days * day);
  const from = dayStart(inputs.period.from).getTime();
  const to = dayEnd(inputs.period.to).getTime();
  const revoked = inputs.certificates.filter(
    (c) => codes.has(c.agency) && c.revokedAt && c.revokedAt.getTime() >= from && c.revokedAt.getTime() < to,
  );
  const byReason = new Map<string, number>();
  for (const c of revoked)
    byReason.set(
      c.revocationReason ?? 'unspecified',
      (byReason.get(c.revocationReason ?? 'unspecified') ?? 0) + 1,
    );
  return {
    expiring: { within30: within(30).length, within60: within(60).length, within90: within(90).length },
    expiringSoon: within(90)
      .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime())
      .map((c) => ({
        serialHex: c.serialHex,
        agency: c.agency,
        profile: c.profile,
        username: c.username,
        notAfter: c.notAfter.toISOString(),
      })),
    revocations: {
      total: revoked.length,
      byReason: [...byReason].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    },
  };
}

function healthOf(
  inputs: KpiInputs,
  rows: AgencyKpiRow[],
  t: Record<string, number>,
  codes: Set<string>,
): Health {
  const stats = openStatsOf(inputs.open);
  const openOf = (field: 'unsent' | 'overdueApprovals') => {
    let n = 0;
    for (const code of codes) n += stats.get(code)?.[field] ?? 0;
    return n;
  };
  const i2a = histogramOf(t, HistogramDims.issueToAcceptance);
  let count = 0;
  for (const n of i2a.values()) count += n;
  const sum = (k: keyof AgencyKpiRow) => rows.reduce((s, r) => s + (r[k] as number), 0);
  return {
    notYetSent: openOf('unsent'),
    sendFailures: t[Dims.sendFailed] ?? 0,
    returned: { count: t[Dims.returned] ?? 0, topReasons: reasonsOf(t, Dims.returned, 5) },
    rejected: { count: t[Dims.rejected] ?? 0, topReasons: reasonsOf(t, Dims.rejected, 5) },
    lateAcceptance: {
      slaHours: inputs.slaHours ?? inputs.sla.defaultHours,
      accepted: t[Dims.accepted] ?? 0,
      acceptedLate: sum('acceptedLate'),
      pendingOverdue: sum('pendingOverdue'),
    },
    verificationFailures: {
      count: t[Dims.verificationFailed] ?? 0,
      byReason: reasonsOf(t, Dims.verificationFailed),
    },
    issueToAcceptance: { count, medianMinutes: quantile(i2a, 0.5), p95Minutes: quantile(i2a, 0.95) },
    approvalsOverdue: {
      open: openOf('overdueApprovals'),
      inPeriod: t[Dims.approvalOverdue] ?? 0,
    },
  };
}

/** The summary of a scope: KPIs 1-4 over its agencies, with a breakdown per agency level. */
export function summarise(inputs: KpiInputs, scope: Scope): KpiSummary {
  const totals = totalsByAgency(inputs.counters);
  const rows = inputs.agencies.map((a) => agencyRow(inputs, a, totals));
  const codes = new Set(inputs.agencies.map((a) => a.code));
  const levels = [...new Set(inputs.agencies.map((a) => a.level))].sort(
    (a, b) => levelRank(a) - levelRank(b) || a.localeCompare(b),
  );
  // The levels partition the agencies: the scope's totals are the sum of the levels' (a few sums, not one per agency).
  const all: Record<string, number> = {};
  const levelBreakdown: LevelBreakdown[] = levels.map((level) => {
    const agencies = inputs.agencies.filter((a) => a.level === level);
    const t: Record<string, number> = {};
    for (const a of agencies) sumInto(t, totals.get(a.code));
    sumInto(all, t);
    return {
      level,
      exchange: exchangeOf(t),
      coverage: coverageOf(
        rows.filter((r) => r.level === level),
        agencies,
      ),
    };
  });
  return {
    period: { ...inputs.period, timeZone: TIME_ZONE },
    scope,
    generatedAt: inputs.now.toISOString(),
    exchange: exchangeOf(all),
    coverage: coverageOf(rows, inputs.agencies),
    health: healthOf(inputs, rows, all, codes),
    certificates: certificateKpi(inputs, codes),
    levels: levelBreakdown,
  };
}

/** Monthly electronic share over the scope's agencies, for the months given (oldest first). */
export function trend(counters: CounterRow[], agencies: Agency[], months: string[], scope: Scope): KpiTrend {
  const codes = new Set(agencies.map((a) => a.code));
  const byMonth = new Map<string, Record<string, number>>(months.map((m) => [m, {}]));
  for (const row of counters) {
    if (!codes.has(row.agency)) continue;
    const t = byMonth.get(monthOf(row.day));
    if (t) sumInto(t, row.c);
  }
  const points: TrendPoint[] = months.map((month) => {
    const t = byMonth.get(month)!;
    const ex = exchangeOf(t);
    return {
      month,
      electronicValid: ex.electronicValid,
      electronic: ex.electronic,
      paper: ex.paper,
      total: ex.total,
      share: ex.share,
      sent: t[Dims.sent] ?? 0,
    };
  });
  return { scope, target: KPI_TARGETS.electronicShare, months: points };
}
