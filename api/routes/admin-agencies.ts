import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AgencyChangeResponseSchema,
  AgencyViewSchema,
  CreateAgencyBodySchema,
  MergeAgencyBodySchema,
  ReasonBodySchema,
  UpdateAgencyBodySchema,
} from '../../schemas/admin';
import { LienthongError } from '../../schemas/errors';
import { AgencyCodeSchema, type Agency, type Principal } from '../../schemas/identity';
import { IdentityAdminStore } from '../../store/identity-admin';
import { requireRole } from '../auth';
import { problemResponses } from '../problem';
import type { AppDeps } from '../deps';

const problems = problemResponses;
const Params = z.object({ code: AgencyCodeSchema });

type App = Parameters<FastifyPluginAsyncZod>[0];

/** What the agency routes share: the store, the audit trail and the checks on codes, states and the tree. */
function agencyRouteContext(deps: AppDeps) {
  const store = () => {
    if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
    return new IdentityAdminStore(deps.db);
  };
  const audit = (principal: Principal, agency: string, type: string, details: Record<string, unknown>) =>
    deps.audit.append({
      id: `${type}:${agency}:${randomUUID()}`,
      time: deps.clock().toISOString(),
      agency,
      actor: principal.username,
      type,
      details,
    });

  const existing = async (code: string): Promise<Agency> => {
    const agency = await store().getAgency(code);
    if (!agency) throw new LienthongError('NOT_FOUND', `no agency ${code}`);
    return agency;
  };
  const activeRef = async (code: string, field: string): Promise<Agency> => {
    const agency = await store().getAgency(code);
    if (!agency || !agency.active)
      throw new LienthongError('UNKNOWN_AGENCY', `${code} is not an active agency`, {
        errors: [{ path: field, message: agency ? 'retired' : 'unknown agency' }],
      });
    return agency;
  };
  const open = (agency: Agency) => {
    if (!agency.active)
      throw new LienthongError(
        'WRONG_STATE',
        `agency ${agency.code} is retired${agency.successor ? ` (merged into ${agency.successor})` : ''}`,
      );
  };
  /** Refuses a parent that would put the agency under itself. */
  const noCycle = async (code: string, parent: string | null) => {
    for (let at: string | null = parent, steps = 0; at && steps < 50; steps++) {
      if (at === code)
        throw new LienthongError('DOMAIN_VALIDATION', 'an agency cannot be placed under itself', {
          errors: [{ path: 'body.parent', message: 'cycle' }],
        });
      at = (await store().getAgency(at))?.parent ?? null;
    }
  };
  return { store, audit, existing, activeRef, open, noCycle };
}

type AgencyRouteContext = ReturnType<typeof agencyRouteContext>;

/** The list, a new agency and a change of name, place or parent. */
function registerAgencyRegistry(app: App, deps: AppDeps, ctx: AgencyRouteContext): void {
  const { store, audit, existing, activeRef, open, noCycle } = ctx;
  app.get(
    '/admin/agencies',
    {
      schema: {
        tags: ['admin'],
        summary: 'The agency registry, retired and merged agencies included',
        querystring: z.object({ active: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(AgencyViewSchema) }), ...problems },
      },
    },
    async (request) => {
      requireRole(request, 'province_admin');
      const all = await deps.identity.listAgencies();
      const active = request.query.active;
      return { items: active === undefined ? all : all.filter((a) => a.active === (active === 'true')) };
    },
  );

  app.post(
    '/admin/agencies',
    {
      schema: {
        tags: ['admin'],
        summary: 'Register an agency with its code and level',
        body: CreateAgencyBodySchema,
        response: { 201: AgencyViewSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'province_admin');
      const body = request.body;
      if (body.parent) await activeRef(body.parent, 'body.parent');
      const created = await store().createAgency({ ...body, active: true });
      await audit(principal, created.code, 'admin.agency_created', { ...created });
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/admin/agencies/:code',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename an agency or change its level, parent or place',
        params: Params,
        body: UpdateAgencyBodySchema,
        response: { 200: AgencyViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'province_admin');
      const before = await existing(request.params.code);
      open(before);
      const body = request.body;
      if (body.parent) {
        await activeRef(body.parent, 'body.parent');
        await noCycle(before.code, body.parent);
      }
      const after = await store().updateAgency(before.code, body);
      await audit(principal, before.code, 'admin.agency_updated', { before, after });
      return after;
    },
  );
}

/** An agency's end: merged into a successor (its users move) or retired once nothing active is left under it. */
function registerAgencyRetirement(app: App, deps: AppDeps, ctx: AgencyRouteContext): void {
  const { store, audit, existing, activeRef, open } = ctx;
  app.post(
    '/admin/agencies/:code/merge-into',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Merge an agency into a successor: it is retired, its users move (or are closed), its records are read under the successor',
        params: Params,
        body: MergeAgencyBodySchema,
        response: { 200: AgencyChangeResponseSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'province_admin');
      const merged = await existing(request.params.code);
      const body = request.body;
      // Repeating a merge finishes one that stopped half-way (FerretDB v1 has no multi-document transactions)
      // and otherwise changes nothing.
      const resuming = !merged.active && merged.successor === body.successor;
      if (!resuming) open(merged);
      if (body.successor === merged.code)
        throw new LienthongError('DOMAIN_VALIDATION', 'an agency cannot be merged into itself', {
          errors: [{ path: 'body.successor', message: 'same agency' }],
        });
      await activeRef(body.successor, 'body.successor');
      if (merged.code === deps.config.systemAgency)
        throw new LienthongError('CONFLICT', 'the system agency cannot be merged');
      const users = await store().listUsers({ agency: merged.code, active: true });
      const retired = resuming
        ? merged
        : await store().retireAgency(merged.code, deps.clock(), body.successor);
      const moved: string[] = [];
      const closed: string[] = [];
      for (const user of users) {
        if (body.moveUsers) {
          await store().updateUser(user.username, { agency: body.successor });
          moved.push(user.username);
        } else {
          await store().setActive(user.username, false);
          closed.push(user.username);
        }
      }
      const reparented: string[] = [];
      for (const child of await deps.identity.listAgencies()) {
        if (child.parent !== merged.code || !child.active) continue;
        await store().updateAgency(child.code, { parent: body.successor });
        reparented.push(child.code);
      }
      const details = {
        reparented,
        merged: merged.code,
        successor: body.successor,
        reason: body.reason,
        movedUsers: moved,
        deactivatedUsers: closed,
      };
      if (!resuming || moved.length || closed.length || reparented.length) {
        await audit(principal, merged.code, 'admin.agency_merged', { ...details, resumed: resuming });
        await audit(principal, body.successor, 'admin.agency_merged', { ...details, resumed: resuming });
      }
      return { agency: retired, movedUsers: moved, deactivatedUsers: closed };
    },
  );

  app.post(
    '/admin/agencies/:code/retire',
    {
      schema: {
        tags: ['admin'],
        summary: 'Retire (dissolve) an agency that has no active users left',
        params: Params,
        body: ReasonBodySchema,
        response: { 200: AgencyChangeResponseSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'province_admin');
      const agency = await existing(request.params.code);
      open(agency);
      if (agency.code === deps.config.systemAgency)
        throw new LienthongError('CONFLICT', 'the system agency cannot be retired');
      const users = await store().listUsers({ agency: agency.code, active: true });
      if (users.length)
        throw new LienthongError(
          'CONFLICT',
          `agency ${agency.code} still has ${users.length} active users: move or deactivate them, or merge it`,
        );
      const children = (await deps.identity.listAgencies()).filter(
        (a) => a.parent === agency.code && a.active,
      );
      if (children.length)
        throw new LienthongError(
          'CONFLICT',
          `agency ${agency.code} still has active subordinate agencies: ${children.map((c) => c.code).join(', ')}`,
        );
      const retired = await store().retireAgency(agency.code, deps.clock());
      await audit(principal, agency.code, 'admin.agency_retired', { reason: request.body?.reason });
      return { agency: retired };
    },
  );
}

/**
 * The agency registry under /api/v1/admin/agencies (province administrator only): create, rename, merge into a
 * successor, retire. Codes never change in place: a new code is a new agency and the old one is merged into it,
 * so its documents, registers and KPIs stay readable under the successor (`successor` on the retired agency).
 */
export function adminAgencyRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const ctx = agencyRouteContext(deps);
    registerAgencyRegistry(app, deps, ctx);
    registerAgencyRetirement(app, deps, ctx);
  };
}
