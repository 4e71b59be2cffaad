import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { resolveFlow } from '../../flows/resolve';
import { validateFlow } from '../../flows/validate';
import { LienthongError } from '../../schemas/errors';
import {
  FlowDefinitionSchema,
  FlowSubjectSchema,
  FlowSummarySchema,
  FlowVersionSchema,
  ResolvedFlowSchema,
  type FlowDefinition,
  type FlowSubject,
} from '../../schemas/flow';
import type { Principal } from '../../schemas/identity';
import { FlowStore } from '../../store/flow-store';
import { assertNamedApprovers } from '../approver-guard';
import { requireRole } from '../auth';
import { problemResponses } from '../problem';
import type { AppDeps } from '../deps';

const problems = problemResponses;
const Name = z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,79}$/) });

/** Parses a definition; an invalid one is a 422 naming each failing field (not a 400: the JSON itself was fine). */
function parseDefinition(body: unknown): FlowDefinition {
  const parsed = FlowDefinitionSchema.safeParse(body);
  if (!parsed.success) {
    throw new LienthongError('DOMAIN_VALIDATION', 'the flow definition is invalid', {
      errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

function canAdminister(principal: Principal, scope: FlowDefinition['scope']): boolean {
  if (principal.roles.includes('province_admin')) return true;
  return 'agency' in scope && scope.agency === principal.agency && principal.roles.includes('agency_admin');
}

type App = Parameters<FastifyPluginAsyncZod>[0];

/** What the flow routes share: the store, the validation of a definition and the caller's view of a flow. */
function flowRouteContext(deps: AppDeps) {
  const flows = new FlowStore(deps.db!);

  const checked = async (def: FlowDefinition) => {
    const agency = 'agency' in def.scope ? def.scope.agency : undefined;
    let holders: ((role: string) => number) | undefined;
    if (agency) {
      if (!(await deps.identity.getAgency(agency)))
        throw new LienthongError('UNKNOWN_AGENCY', `unknown agency ${agency}`);
      const users = (await deps.identity.listUsers({ agency })).filter((u) => u.active);
      holders = (role) => users.filter((u) => u.roles.includes(role as never)).length;
    }
    const issues = validateFlow(def, holders);
    if (issues.length)
      throw new LienthongError('DOMAIN_VALIDATION', 'the flow definition is invalid', { errors: issues });
    await assertNamedApprovers(deps, def);
    return def;
  };

  const visible = async (principal: Principal, name: string) => {
    const flow = await flows.get(name);
    if (!flow || !canAdminister(principal, flow.scope))
      throw new LienthongError('NOT_FOUND', `no flow ${name}`);
    return flow;
  };
  return { flows, checked, visible };
}

type FlowRouteContext = ReturnType<typeof flowRouteContext>;

/** A new version of a flow, the list and one flow. */
function registerFlowDefinitions(app: App, deps: AppDeps, ctx: FlowRouteContext): void {
  const { flows, checked, visible } = ctx;
  app.post(
    '/admin/flows',
    {
      schema: {
        tags: ['flows'],
        summary: 'Create a flow or save a new version of it',
        body: z.record(z.string(), z.unknown()).describe('a FlowDefinition'),
        response: { 201: FlowVersionSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const parsed = parseDefinition(request.body);
      // Authority first: checking another agency's flow would tell about its people.
      if (!canAdminister(principal, parsed.scope)) {
        throw new LienthongError('FORBIDDEN', 'an agency administrator edits only its own agency’s flows');
      }
      const def = await checked(parsed);
      const saved = await flows.saveVersion(def, principal.username, deps.clock());
      await deps.audit.append({
        id: `flow.version_created:${def.name}@${saved.version}`,
        time: saved.createdAt,
        agency: 'agency' in def.scope ? def.scope.agency : principal.agency,
        actor: principal.username,
        type: 'flow.version_created',
        details: { name: def.name, version: saved.version, scope: def.scope },
      });
      return reply.code(201).send(saved);
    },
  );

  app.get(
    '/admin/flows',
    {
      schema: {
        tags: ['flows'],
        response: { 200: z.object({ items: z.array(FlowSummarySchema) }), ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const all = await flows.list();
      return { items: all.filter((f) => canAdminister(principal, f.scope)) };
    },
  );

  app.get(
    '/admin/flows/:name',
    {
      schema: {
        tags: ['flows'],
        params: Name,
        response: { 200: FlowSummarySchema.extend({ versions: z.array(FlowVersionSchema) }), ...problems },
      },
    },
    async (request) => visible(requireRole(request, 'agency_admin', 'province_admin'), request.params.name),
  );
}

/** Activating a version, and its simulation over recent documents before it is activated. */
function registerFlowActivation(app: App, deps: AppDeps, ctx: FlowRouteContext): void {
  const { flows, checked, visible } = ctx;
  app.post(
    '/admin/flows/:name/activate',
    {
      schema: {
        tags: ['flows'],
        params: Name,
        body: z.object({ version: z.number().int().min(1) }),
        response: { 200: FlowSummarySchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const flow = await visible(principal, request.params.name);
      const version = await flows.getVersion(flow.name, request.body.version);
      if (!version)
        throw new LienthongError('NOT_FOUND', `flow ${flow.name} has no version ${request.body.version}`);
      // People named when the version was saved may have left since: check again before it goes live.
      await checked(version.definition);
      const activated = await flows.activate(flow.name, request.body.version);
      await deps.audit.append({
        id: `flow.activated:${flow.name}@${request.body.version}:${deps.clock().toISOString()}`,
        time: deps.clock().toISOString(),
        agency: 'agency' in flow.scope ? flow.scope.agency : principal.agency,
        actor: principal.username,
        type: 'flow.activated',
        details: { name: flow.name, version: request.body.version, previous: flow.activeVersion },
      });
      return activated;
    },
  );

  app.post(
    '/admin/flows/:name/simulate',
    {
      schema: {
        tags: ['flows'],
        summary: 'Which stages and approvers documents would go through under the active and a draft version',
        params: Name,
        body: z.object({
          definition: z.record(z.string(), z.unknown()),
          samples: z.array(FlowSubjectSchema).max(200).optional(),
          lastN: z.number().int().min(1).max(200).default(20),
        }),
        response: {
          200: z.object({
            name: z.string(),
            activeVersion: z.number().int().nullable(),
            results: z.array(
              z.object({
                document: FlowSubjectSchema,
                current: ResolvedFlowSchema.nullable(),
                draft: ResolvedFlowSchema,
                differs: z.boolean(),
              }),
            ),
            differing: z.number().int(),
          }),
          ...problems,
        },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const parsed = parseDefinition(request.body.definition);
      if (!canAdminister(principal, parsed.scope))
        throw new LienthongError('FORBIDDEN', 'not your agency’s flow');
      const draft = await checked(parsed);
      if (draft.name !== request.params.name)
        throw new LienthongError('DOMAIN_VALIDATION', 'definition.name must match the URL');
      const active = await flows.activeVersion(draft.name);
      const samples = request.body.samples ?? (await recentDocuments(deps, draft, request.body.lastN));
      // An agency administrator sees only its own agency's people (issue 12, finding 8).
      const foreign = samples.findIndex(
        (s) => s.agency !== principal.agency && !principal.roles.includes('province_admin'),
      );
      if (foreign >= 0)
        throw new LienthongError(
          'FORBIDDEN',
          'an agency administrator simulates only its own agency’s documents',
          {
            errors: [{ path: `body.samples.${foreign}.agency`, message: 'not your agency' }],
          },
        );
      const results = [];
      for (const document of samples) {
        const users = (await deps.identity.listUsers({ agency: document.agency })).filter((u) => u.active);
        const membersOf = (role: string) =>
          users.filter((u) => u.roles.includes(role as never)).map((u) => u.username);
        const subject: FlowSubject = document;
        const current = active ? resolveFlow(active.definition, active.version, subject, membersOf) : null;
        const next = resolveFlow(draft, (active?.version ?? 0) + 1, subject, membersOf);
        const differs = JSON.stringify(current?.stages ?? null) !== JSON.stringify(next.stages);
        results.push({ document: subject, current, draft: next, differs });
      }
      return {
        name: draft.name,
        activeVersion: active?.version ?? null,
        results,
        differing: results.filter((r) => r.differs).length,
      };
    },
  );
}

/** Administrators edit approval flows as versioned data (issue: flows), under /api/v1/admin/flows. */
export function flowRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const ctx = flowRouteContext(deps);
    registerFlowDefinitions(app, deps, ctx);
    registerFlowActivation(app, deps, ctx);
  };
}

/** The last documents of the flow's agency (or level), as flow subjects, from the exchange's read model. */
async function recentDocuments(deps: AppDeps, def: FlowDefinition, limit: number): Promise<FlowSubject[]> {
  const agencies = await deps.identity.listAgencies();
  const levelOf = new Map(agencies.map((a) => [a.code, a.level]));
  const scopeAgencies =
    'agency' in def.scope
      ? [def.scope.agency]
      : agencies.filter((a) => a.level === (def.scope as { level: string }).level).map((a) => a.code);
  const docs = await deps
    .db!.collection('documents')
    .find({ agency: { $in: scopeAgencies } })
    .sort({ _id: -1 })
    .limit(limit)
    .toArray();
  return docs.map((d) => ({
    id: String(d.id ?? d._id),
    agency: String(d.agency),
    type: String(d.type ?? ''),
    priority: Number(d.priority ?? 0),
    recipientLevels: [
      ...new Set(
        ((d.recipients as { agency?: string }[] | undefined) ?? [])
          .map((r) => levelOf.get(String(r.agency)))
          .filter((l): l is string => !!l),
      ),
    ],
  }));
}
