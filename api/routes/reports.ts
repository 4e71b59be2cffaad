import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/client';
import { loadAppearanceFont } from '../../pdf';
import type { SignYearlyReportInput } from '../../activities/reports';
import { vnDay } from '../../kpi/period';
import { buildYearlyReportPdf } from '../../kpi/yearly-report';
import { ProblemSchema } from '../../schemas/api';
import type { FileRef } from '../../schemas/document';
import { ErrorCodes, LienthongError, type ErrorCode } from '../../schemas/errors';
import { FileStore } from '../../store/file-store';
import type { signYearlyReportWorkflow } from '../../workflows/reports';
import { YearlyReportQuerySchema } from '../../schemas/kpi';
import { principalOf } from '../auth';
import type { AppDeps } from '../deps';
import { temporalOf } from '../exchange-support';
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

/** The domain error a failed workflow carries: its activity's ApplicationFailure type is the error code. */
function domainErrorOf(err: unknown): LienthongError | undefined {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type && cause.type in ErrorCodes)
      return new LienthongError(cause.type as ErrorCode, cause.message);
  }
  return undefined;
}

/**
 * Runs signYearlyReportWorkflow and waits for the signed PDF's reference. A missing or revoked province key comes
 * back as CERT_NOT_FOUND / CERT_REVOKED (422), as when the API signed itself.
 */
async function signInWorker(deps: AppDeps, input: SignYearlyReportInput): Promise<FileRef> {
  try {
    return await temporalOf(deps).workflow.execute<typeof signYearlyReportWorkflow>(
      'signYearlyReportWorkflow',
      {
        workflowId: `report-yearly:${input.scope}:${input.year}:${randomUUID()}`,
        taskQueue: deps.config.temporal.taskQueue,
        args: [input],
        workflowExecutionTimeout: '5 minutes',
      },
    );
  } catch (err) {
    throw domainErrorOf(err) ?? err;
  }
}

/**
 * Reports under /api/v1/reports. The yearly deployment report is a PDF of the year's KPIs for the province or one
 * agency, signed (PAdES B-B) with the organisation certificate of the province's system agency — by the worker's
 * signYearlyReport activity, not in the request thread.
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
            503: ProblemSchema,
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
        const files = new FileStore(deps.db!);
        const fileName = `bao-cao-lien-thong-${year}-${scope.agency ?? 'toan-tinh'}.pdf`;
        // Signed in the worker, which holds the province key; the PDF goes there and back through GridFS.
        const signedRef = await signInWorker(deps, {
          unsigned: await files.put(pdf, { fileName, contentType: 'application/pdf' }),
          fileName,
          year,
          scope: scope.agency ?? 'province',
          location: province?.place,
          signingTime: now.toISOString(),
          actor: principal.username,
        });
        const signed = await files.get(signedRef);
        return reply
          .code(200)
          .header('content-type', 'application/pdf')
          .header('content-disposition', `attachment; filename="${fileName}"`)
          .send(Buffer.from(signed));
      },
    );
  };
}
