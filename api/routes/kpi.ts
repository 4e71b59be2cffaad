import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { agenciesCsv, summaryCsv, trendCsv } from '../../kpi/exports';
import { resolvePeriod } from '../../kpi/period';
import { ProblemSchema } from '../../schemas/api';
import { LienthongError } from '../../schemas/errors';
import { AgencyCodeSchema } from '../../schemas/identity';
import {
  AgencyDrillDownSchema,
  AgencyKpiTableSchema,
  KpiQuerySchema,
  KpiSummarySchema,
  KpiTrendSchema,
  SlaSettingsSchema,
  TrendQuerySchema,
  type KpiQuery,
  type Scope,
} from '../../schemas/kpi';
import { principalOf, requireRole } from '../auth';
import type { AppDeps } from '../deps';
import { kpiServiceFor, readableScopeFor } from '../kpi-access';

const problems = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  422: ProblemSchema,
};

/** CSV when asked by `?format=csv`, or by `Accept: text/csv` unless `?format=json`. */
function wantsCsv(request: FastifyRequest, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  return /\btext\/csv\b/i.test(request.headers.accept ?? '');
}

function sendCsv(reply: FastifyReply, name: string, csv: string): FastifyReply {
  return reply
    .code(200)
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .serializer((payload: unknown) => payload as string)
    .send(csv);
}

function period(query: { from?: string; to?: string }, now: Date) {
  try {
    return resolvePeriod(query, now);
  } catch (err) {
    throw new LienthongError('DOMAIN_VALIDATION', (err as Error).message);
  }
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/** What the KPI routes share: the service and store, and the reading of a period, scope and level. */
function kpiRouteContext(deps: AppDeps) {
  const { service, store } = kpiServiceFor(deps);
  /** Period, visible scope, level and SLA of a summary or table request. */
  const kpiQuery = async (request: FastifyRequest, q: KpiQuery) => ({
    period: period(q, deps.clock()),
    scope: await readableScopeFor(deps, principalOf(request), q.agency),
    level: q.level,
    slaHours: q.slaHours,
  });
  const scopeName = async (scope: Scope) =>
    scope.kind === 'province'
      ? 'Toàn tỉnh'
      : ((await deps.identity.getAgency(scope.agency!))?.name ?? scope.agency!);
  return { service, store, kpiQuery, scopeName };
}

type KpiRouteContext = ReturnType<typeof kpiRouteContext>;

/** The summary and the agency table. */
function registerKpiTables(app: App, { service, kpiQuery, scopeName }: KpiRouteContext): void {
  app.get(
    '/kpi/summary',
    {
      schema: {
        tags: ['kpi'],
        summary:
          'KPI summary of the province (with per-level breakdown) or of one agency; CSV with Accept: text/csv',
        querystring: KpiQuerySchema,
        response: { 200: KpiSummarySchema, ...problems },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const query = await kpiQuery(request, q);
      const summary = await service.summary(query);
      if (wantsCsv(request, q.format))
        return sendCsv(
          reply,
          `kpi-tong-hop-${summary.period.from}-${summary.period.to}`,
          summaryCsv(summary, await scopeName(query.scope)),
        );
      return summary;
    },
  );

  app.get(
    '/kpi/agencies',
    {
      schema: {
        tags: ['kpi'],
        summary: 'KPI table, one row per agency (an agency’s own users get their row only)',
        querystring: KpiQuerySchema,
        response: { 200: AgencyKpiTableSchema, ...problems },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const query = await kpiQuery(request, q);
      const table = await service.table(query);
      if (wantsCsv(request, q.format))
        return sendCsv(
          reply,
          `kpi-co-quan-${table.period.from}-${table.period.to}`,
          agenciesCsv(table.items),
        );
      return table;
    },
  );
}

/** One agency's drill-down and the monthly trend. */
function registerKpiDrillDown(app: App, deps: AppDeps, { service }: KpiRouteContext): void {
  app.get(
    '/kpi/agencies/:code',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Drill-down: one agency’s KPIs and the documents open there now',
        params: z.object({ code: AgencyCodeSchema }),
        querystring: KpiQuerySchema.omit({ agency: true, level: true }),
        response: { 200: AgencyDrillDownSchema, ...problems },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = (await readableScopeFor(deps, principalOf(request), request.params.code)) as {
        kind: 'agency';
        agency: string;
      };
      const result = await service.drillDown({
        period: period(q, deps.clock()),
        scope,
        slaHours: q.slaHours,
      });
      if (!result) throw new LienthongError('NOT_FOUND', `no agency ${request.params.code}`);
      if (wantsCsv(request, q.format))
        return sendCsv(reply, `kpi-${result.agency.code}`, agenciesCsv([result.row]));
      return {
        agency: { code: result.agency.code, name: result.agency.name, level: result.agency.level },
        row: result.row,
        summary: result.summary,
        openItems: result.openItems,
      };
    },
  );

  app.get(
    '/kpi/trend',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Monthly electronic share for the last N months (Asia/Ho_Chi_Minh)',
        querystring: TrendQuerySchema,
        response: { 200: KpiTrendSchema, ...problems },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = await readableScopeFor(deps, principalOf(request), q.agency);
      const result = await service.trend(scope, q.months, q.level);
      if (wantsCsv(request, q.format))
        return sendCsv(reply, `kpi-xu-huong-${q.months}-thang`, trendCsv(result));
      return result;
    },
  );
}

/** The acceptance SLA setting and the rebuild from the audit trail (province administrator). */
function registerKpiAdministration(app: App, deps: AppDeps, { store }: KpiRouteContext): void {
  app.get(
    '/kpi/settings/sla',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Acceptance SLA (hours) used for late acceptances',
        response: { 200: SlaSettingsSchema, ...problems },
      },
    },
    async () => store.slaSettings(),
  );

  app.put(
    '/kpi/settings/sla',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Set the default and per-agency acceptance SLA (province administrator)',
        body: SlaSettingsSchema,
        response: { 200: SlaSettingsSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'province_admin');
      const saved = await store.setSlaSettings(request.body);
      await deps.audit.append({
        id: `kpi.sla_changed:${deps.clock().toISOString()}:${principal.username}`,
        time: deps.clock().toISOString(),
        agency: principal.agency,
        actor: principal.username,
        type: 'kpi.sla_changed',
        details: { ...saved },
      });
      return saved;
    },
  );

  app.post(
    '/kpi/rebuild',
    {
      schema: {
        tags: ['kpi'],
        summary: 'Recompute the KPI counters from the audit trail (province administrator)',
        body: z.object({ write: z.boolean().default(false) }).default({ write: false }),
        response: {
          200: z.object({
            events: z.number().int(),
            chainGaps: z.number().int(),
            dayDocuments: z.number().int(),
            openItems: z.number().int(),
            elapsedMs: z.number(),
            differences: z.array(z.string()),
            written: z.boolean(),
          }),
          ...problems,
        },
      },
    },
    async (request) => {
      requireRole(request, 'province_admin');
      return store.rebuildFromAudit({ write: request.body.write, now: deps.clock() });
    },
  );
}

/**
 * Leadership KPIs under /api/v1/kpi: the summary (province-wide with a per-level breakdown), the agency table, the
 * monthly trend and an agency drill-down, each as JSON or CSV (UTF-8 with BOM). See kpi/README.md for definitions.
 */
export function kpiRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const ctx = kpiRouteContext(deps);
    registerKpiTables(app, ctx);
    registerKpiDrillDown(app, deps, ctx);
    registerKpiAdministration(app, deps, ctx);
  };
}
