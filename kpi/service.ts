import type { Agency } from '../schemas/identity';
import type {
  AgencyKpiRow,
  AgencyKpiTable,
  KpiSummary,
  KpiTrend,
  OpenItemView,
  Scope,
  SlaSettings,
} from '../schemas/kpi';
import { KPI_TARGETS } from '../schemas/kpi';
import {
  agencyRows,
  levelRank,
  summarise,
  trend,
  type CertificateFact,
  type CounterRow,
  type KpiInputs,
} from './compute';
import type { OpenItem, OpenKind } from './event-effects';
import { lastDayOfMonth, lastMonths, TIME_ZONE, type DayRange } from './period';

/** Where the KPI service reads from (implemented by KpiStore, IdentityStore and PkiStore). */
export interface KpiSources {
  kpis: {
    dayCounters(range: DayRange, agencies?: readonly string[]): Promise<CounterRow[]>;
    openItems(filter?: { agencies?: readonly string[]; kind?: OpenKind }): Promise<OpenItem[]>;
    slaSettings(): Promise<SlaSettings>;
  };
  identity: { listAgencies(filter?: { level?: string }): Promise<Agency[]> };
  pki: { listCertificates(): Promise<CertificateFact[]> };
  clock: () => Date;
}

export interface KpiRequest {
  period: DayRange;
  scope: Scope;
  level?: string;
  slaHours?: number;
}

/**
 * Loads what a KPI view needs and computes it. The province's agencies are the active agencies of the directory;
 * an agency scope narrows everything to that one agency.
 */
export class KpiService {
  constructor(private readonly sources: KpiSources) {}

  /** Active agencies of the scope (and level), ordered by level then code. */
  async agenciesOf(scope: Scope, level?: string): Promise<Agency[]> {
    // One named agency is shown even when retired (a merged agency's KPIs stay readable); lists show active ones.
    const all = await this.sources.identity.listAgencies();
    return all
      .filter((a) => (scope.kind === 'agency' ? a.code === scope.agency : a.active !== false))
      .filter((a) => (level ? a.level === level : true))
      .sort((a, b) => levelRank(a.level) - levelRank(b.level) || a.code.localeCompare(b.code));
  }

  private async inputs(req: KpiRequest, agencies: Agency[]): Promise<KpiInputs> {
    // Always the codes, even for the whole province: the store then reads the hot documents by `_id`.
    const codes = agencies.map((a) => a.code);
    const [counters, open, certificates, sla] = await Promise.all([
      this.sources.kpis.dayCounters(req.period, codes),
      this.sources.kpis.openItems({ agencies: codes }),
      this.sources.pki.listCertificates(),
      this.sources.kpis.slaSettings(),
    ]);
    return {
      period: req.period,
      now: this.sources.clock(),
      agencies,
      counters,
      open,
      certificates,
      sla,
      slaHours: req.slaHours,
    };
  }

  async summary(req: KpiRequest): Promise<KpiSummary> {
    const agencies = await this.agenciesOf(req.scope, req.level);
    const scope = req.level ? { ...req.scope, level: req.level } : req.scope;
    return summarise(await this.inputs(req, agencies), scope);
  }

  async table(req: KpiRequest): Promise<AgencyKpiTable> {
    const agencies = await this.agenciesOf(req.scope, req.level);
    return {
      period: { ...req.period, timeZone: TIME_ZONE },
      scope: req.level ? { ...req.scope, level: req.level } : req.scope,
      targets: { ...KPI_TARGETS },
      items: agencyRows(await this.inputs(req, agencies)),
    };
  }

  /** The last `months` months up to the current one. */
  async trend(scope: Scope, months: number, level?: string): Promise<KpiTrend> {
    return this.trendOf(scope, lastMonths(months, this.sources.clock()), level);
  }

  /** Given months (`yyyy-MM`, oldest first). */
  async trendOf(scope: Scope, list: string[], level?: string): Promise<KpiTrend> {
    const agencies = await this.agenciesOf(scope, level);
    const range = { from: `${list[0]}-01`, to: lastDayOfMonth(list[list.length - 1]) };
    const counters = await this.sources.kpis.dayCounters(
      range,
      agencies.map((a) => a.code),
    );
    return trend(counters, agencies, list, level ? { ...scope, level } : scope);
  }

  /** One agency: its row, its summary and what is open there now. */
  async drillDown(
    req: KpiRequest & { scope: { kind: 'agency'; agency: string } },
  ): Promise<{ agency: Agency; row: AgencyKpiRow; summary: KpiSummary; openItems: OpenItemView[] } | null> {
    const agencies = await this.agenciesOf(req.scope);
    if (agencies.length === 0) return null;
    const inputs = await this.inputs(req, agencies);
    const summary = summarise(inputs, req.scope);
    return {
      agency: agencies[0],
      row: agencyRows(inputs)[0],
      summary,
      openItems: inputs.open
        .map(({ id: _id, ...item }) => item)
        .sort((a, b) => a.since.localeCompare(b.since)),
    };
  }
}
