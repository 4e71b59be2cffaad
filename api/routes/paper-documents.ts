import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { KpiEventTypes } from '../../kpi/event-effects';
import { LienthongError } from '../../schemas/errors';
import type { Principal } from '../../schemas/identity';
import {
  PaperDocumentListSchema,
  PaperDocumentQuerySchema,
  PaperDocumentSchema,
  RegisterPaperDocumentSchema,
  type PaperDocument,
} from '../../schemas/paper-document';
import { KpiStore } from '../../store/kpi-store';
import { readableAgencies } from '../../store/identity-admin';
import { PaperDocumentStore } from '../../store/paper-document-store';
import { principalOf, requireRole } from '../auth';
import type { AppDeps } from '../deps';
import { problemResponses } from '../problem';

/** How long after a registration a duplicate may still complete its audit event and counting (crash repair). */
const REPAIR_WINDOW_MS = 10 * 60_000;

const seesProvince = (p: Principal) => p.roles.includes('province_admin') || p.roles.includes('leadership');

/**
 * Paper documents ("văn bản giấy") under /api/v1/paper-documents: clerks register the paper documents their agency
 * sent or received, so the electronic-exchange KPI has the right denominator; each registration is an audit event.
 */
export function paperDocumentRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const store = new PaperDocumentStore(deps.db!);
    const kpis = new KpiStore(deps.db!);
    const names = async () => new Map((await deps.identity.listAgencies()).map((a) => [a.code, a.name]));

    /** Audits the registration and counts it (both idempotent by the document id, so a repeat repairs a crash). */
    const auditAndCount = async (doc: PaperDocument) => {
      const event = await deps.audit.append({
        id: `${KpiEventTypes.paperRegistered}:${doc.id}`,
        time: doc.registeredAt,
        agency: doc.registeredByAgency,
        actor: doc.registeredBy,
        type: KpiEventTypes.paperRegistered,
        documentId: doc.id,
        details: {
          direction: doc.direction,
          from: doc.from,
          to: doc.to,
          number: doc.number,
          notation: doc.notation,
          date: doc.date,
          type: doc.type,
          subject: doc.subject,
          alsoElectronic: doc.alsoElectronic,
        },
      });
      await kpis.apply(event);
    };

    app.post(
      '/paper-documents',
      {
        schema: {
          tags: ['paper-documents'],
          summary: 'Register a paper document sent or received by the caller’s agency',
          body: RegisterPaperDocumentSchema,
          response: { 201: PaperDocumentSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const principal = requireRole(request, 'clerk');
        const body = request.body;
        const concerned =
          body.direction === 'sent' ? body.from === principal.agency : body.to.includes(principal.agency);
        if (!concerned) {
          throw new LienthongError(
            'FORBIDDEN',
            body.direction === 'sent'
              ? 'a clerk registers documents sent by their own agency'
              : 'a clerk registers documents received by their own agency',
          );
        }
        const known = await names();
        const unknown = [body.from, ...body.to].filter((code) => !known.has(code));
        if (unknown.length)
          throw new LienthongError('UNKNOWN_AGENCY', `unknown agency ${unknown.join(', ')}`);

        const result = await store.register(body, principal, deps.clock());
        if (!result.created) {
          // A registration that crashed between its insert and its audit is repaired by the client's retry,
          // which comes soon; older duplicates are refused without touching the counters.
          if (deps.clock().getTime() - Date.parse(result.existing.registeredAt) < REPAIR_WINDOW_MS)
            await auditAndCount(result.existing);
          throw new LienthongError(
            'CONFLICT',
            `paper document ${body.number} of ${body.date} from ${body.from} is already registered`,
            { existingId: result.existing.id },
          );
        }
        await auditAndCount(result.document);
        return reply.code(201).send({ ...result.document, fromName: known.get(result.document.from) });
      },
    );

    app.get(
      '/paper-documents',
      {
        schema: {
          tags: ['paper-documents'],
          summary: 'The caller’s agency paper registers (sent, received or both)',
          querystring: PaperDocumentQuerySchema,
          response: { 200: PaperDocumentListSchema, ...problemResponses },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const q = request.query;
        // A merged agency's registers stay readable under its successor.
        if (
          q.agency &&
          q.agency !== principal.agency &&
          !seesProvince(principal) &&
          !(await readableAgencies(deps.db!, principal.agency)).includes(q.agency)
        )
          throw new LienthongError('FORBIDDEN', 'an agency’s users see only their own registers');
        const agency = q.agency ?? (seesProvince(principal) ? undefined : principal.agency);
        const { items, total } = await store.list({ ...q, agency });
        const known = await names();
        return {
          items: items.map((d) => ({ ...d, fromName: known.get(d.from) })),
          total,
          limit: q.limit,
          offset: q.offset,
        };
      },
    );
  };
}
