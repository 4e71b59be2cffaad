import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loadAppearanceFont, signPdf } from '../../pdf';
import { vnDay } from '../../kpi/period';
import { buildYearlyReportPdf } from '../../kpi/yearly-report';
import { ProblemSchema } from '../../schemas/api';
import { LienthongError } from '../../schemas/errors';
import { YearlyReportQuerySchema } from '../../schemas/kpi';
import { principalOf } from '../auth';
import type { AppDeps } from '../deps';
import { kpiServiceFor, readableScopeFor } from '../kpi-access';

/** Characters the report's font must cover: Vietnamese letters beyond Latin-1, plus what the data adds. */
const VIETNAMESE =
  'ĂăÂâĐđÊêÔôƠơƯư ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ —–…';
const BOLD_FONTS = [
  '/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf',
  '/usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf',
];

async function reportFonts(text: string): Promise<{ regular: Uint8Array; bold?: Uint8Array }> {
  const regular = await loadAppearanceFont({ text });
  for (const fontPath of BOLD_FONTS) {
    try {
      return { regular, bold: await loadAppearanceFont({ fontPath, text }) };
    } catch {
      // Try the next one; without a bold face the report uses the regular one.
    }
  }
  return { regular };
}

/**
 * Reports under /api/v1/reports. The yearly deployment report is a PDF of the year's KPIs for the province or one
 * agency, signed (PAdES B-B) with the organisation certificate of the province's system agency.
 */
export function reportRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const { service } = kpiServiceFor(deps);

    app.get(
      '/reports/yearly',
      {
        schema: {
          tags: ['reports'],
          summary: 'Yearly KPI report as a signed PDF (application/pdf)',
          querystring: YearlyReportQuerySchema,
          response: {
            200: z.unknown().describe('the signed PDF (application/pdf)'),
            400: ProblemSchema,
            401: ProblemSchema,
            403: ProblemSchema,
            422: ProblemSchema,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { year, agency } = request.query;
        const scope = await readableScopeFor(deps, principal, agency);
        const now = deps.clock();
        const today = vnDay(now);
        const from = `${year}-01-01`;
        if (from > today) throw new LienthongError('DOMAIN_VALIDATION', `the year ${year} has not started`);
        const to = `${year}-12-31` < today ? `${year}-12-31` : today;
        const period = { from, to };
        const [summary, table, trend, province] = await Promise.all([
          service.summary({ period, scope }),
          service.table({ period, scope }),
          service.trendOf(
            scope,
            Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`),
          ),
          deps.identity.getAgency(deps.config.systemAgency),
        ]);
        const scopeName =
          scope.kind === 'province' ? 'Toàn tỉnh' : (table.items[0]?.name ?? scope.agency ?? '');
        if (scope.kind === 'agency' && table.items.length === 0)
          throw new LienthongError('UNKNOWN_AGENCY', `unknown agency ${scope.agency}`);
        const provinceName = province?.name ?? 'Ủy ban nhân dân tỉnh';
        const text = [VIETNAMESE, provinceName, scopeName, ...table.items.map((r) => r.name)].join(' ');
        const pdf = await buildYearlyReportPdf(
          { year, scopeName, provinceName, summary, rows: table.items, trend, generatedAt: now },
          await reportFonts(text),
        );
        // Throws CERT_NOT_FOUND / CERT_REVOKED (422) when the system agency has no usable organisation key.
        const signer = await deps.pki.signerFor(
          { agency: deps.config.systemAgency, profile: 'organisation' },
          now,
        );
        const signed = await signPdf(pdf, {
          signer,
          signingTime: now,
          reason: `Báo cáo kết quả triển khai liên thông văn bản điện tử năm ${year}`,
          location: province?.place,
          fieldName: 'bao-cao-nam',
        });
        await deps.audit.append({
          id: `report.yearly_signed:${year}:${scope.agency ?? 'province'}:${now.toISOString()}`,
          time: now.toISOString(),
          agency: deps.config.systemAgency,
          actor: principal.username,
          type: 'report.yearly_signed',
          details: { year, scope: scope.agency ?? 'province', bytes: signed.length },
        });
        return reply
          .code(200)
          .header('content-type', 'application/pdf')
          .header(
            'content-disposition',
            `attachment; filename="bao-cao-lien-thong-${year}-${scope.agency ?? 'toan-tinh'}.pdf"`,
          )
          .send(Buffer.from(signed));
      },
    );
  };
}
