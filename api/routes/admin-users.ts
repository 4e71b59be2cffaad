import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  CreateUserBodySchema,
  ORDINARY_ROLES,
  ReasonBodySchema,
  ResetPasswordBodySchema,
  UpdateUserBodySchema,
  UserChangeResponseSchema,
  UserListQuerySchema,
  UserViewSchema,
  type UserView,
} from '../../schemas/admin';
import { LienthongError } from '../../schemas/errors';
import { UsernameSchema, type Principal, type Role, type User } from '../../schemas/identity';
import { IdentityAdminStore, generatePassword } from '../../store/identity-admin';
import { assertNoFlowLosesApprovers } from '../approver-guard';
import { requireRole } from '../auth';
import { problemResponses } from '../problem';
import type { AppDeps } from '../deps';

const problems = problemResponses;
const Params = z.object({ username: UsernameSchema });

const isProvinceAdmin = (p: Principal) => p.roles.includes('province_admin');
const isOrdinary = (roles: readonly Role[]) =>
  roles.every((r) => (ORDINARY_ROLES as readonly string[]).includes(r));

const view = (u: User): UserView => ({ ...u, passwordChangeRequired: u.passwordChangeRequired ?? false });

type App = Parameters<FastifyPluginAsyncZod>[0];

/** The store and the permission checks every user-administration route shares. */
function adminUserRouteContext(deps: AppDeps) {
  const store = () => {
    if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
    return new IdentityAdminStore(deps.db);
  };
  const audit = (principal: Principal, agency: string, type: string, details: Record<string, unknown>) => {
    const time = deps.clock().toISOString();
    return deps.audit.append({
      id: `${type}:${String(details.username ?? '')}:${randomUUID()}`,
      time,
      agency,
      actor: principal.username,
      type,
      details,
    });
  };

  /** The target user when the caller may administer it. */
  const manageable = async (principal: Principal, username: string): Promise<User> => {
    const user = await store().getUser(username);
    if (!user || (!isProvinceAdmin(principal) && user.agency !== principal.agency))
      throw new LienthongError('NOT_FOUND', `no user ${username}`);
    if (!isProvinceAdmin(principal) && !isOrdinary(user.roles))
      throw new LienthongError(
        'FORBIDDEN',
        'only the province administrator manages administrators and leadership',
      );
    return user;
  };

  const grantable = (principal: Principal, roles: readonly Role[]) => {
    if (!isProvinceAdmin(principal) && !isOrdinary(roles))
      throw new LienthongError(
        'FORBIDDEN',
        `an agency administrator grants only the roles ${ORDINARY_ROLES.join(', ')}`,
      );
  };

  /** The agency must exist and be open for new members. */
  const openAgency = async (code: string, field: string) => {
    const agency = await deps.identity.getAgency(code);
    if (!agency)
      throw new LienthongError('UNKNOWN_AGENCY', `unknown agency ${code}`, {
        errors: [{ path: field, message: 'unknown agency' }],
      });
    if (!agency.active)
      throw new LienthongError('CONFLICT', `agency ${code} is retired`, {
        errors: [{ path: field, message: agency.successor ? `merged into ${agency.successor}` : 'retired' }],
      });
    return agency;
  };

  /** The province must keep at least one active province administrator. */
  const keepsProvinceAdmin = async (user: User, after: User | null) => {
    if (!user.active || !user.roles.includes('province_admin')) return;
    if (after?.active && after.roles.includes('province_admin')) return;
    const admins = await store().listUsers({ role: 'province_admin', active: true });
    if (admins.filter((a) => a.username !== user.username).length === 0)
      throw new LienthongError('CONFLICT', `${user.username} is the last active province administrator`);
  };
  return { deps, store, audit, manageable, grantable, openAgency, keepsProvinceAdmin };
}

type AdminUserRouteContext = ReturnType<typeof adminUserRouteContext>;

/** Reading accounts: the list and one user. */
function registerUserReadRoutes(app: App, ctx: AdminUserRouteContext): void {
  const { store } = ctx;
  app.get(
    '/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'List users (an agency administrator sees its own agency)',
        querystring: UserListQuerySchema,
        response: { 200: z.object({ items: z.array(UserViewSchema) }), ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const q = request.query;
      if (q.agency && q.agency !== principal.agency && !isProvinceAdmin(principal))
        throw new LienthongError('FORBIDDEN', 'an agency administrator lists only its own agency');
      const users = await store().listUsers({
        agency: isProvinceAdmin(principal) ? q.agency : principal.agency,
        role: q.role,
        active: q.active === undefined ? undefined : q.active === 'true',
      });
      return { items: users.map(view) };
    },
  );

  app.get(
    '/admin/users/:username',
    {
      schema: {
        tags: ['admin'],
        params: Params,
        response: { 200: UserViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const user = await store().getUser(request.params.username);
      if (!user || (!isProvinceAdmin(principal) && user.agency !== principal.agency))
        throw new LienthongError('NOT_FOUND', `no user ${request.params.username}`);
      return view(user);
    },
  );
}

/** Creating an account in an open agency, with roles the caller may grant. */
function registerUserCreateRoute(app: App, ctx: AdminUserRouteContext): void {
  const { store, audit, grantable, openAgency } = ctx;
  app.post(
    '/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a user; the user must change the initial password at first sign-in',
        body: CreateUserBodySchema,
        response: { 201: UserChangeResponseSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const body = request.body;
      if (!isProvinceAdmin(principal) && body.agency !== principal.agency)
        throw new LienthongError('FORBIDDEN', 'an agency administrator creates users of its own agency only');
      grantable(principal, body.roles);
      await openAgency(body.agency, 'body.agency');
      const password = body.password ?? generatePassword();
      const user = await store().createUser(
        {
          username: body.username,
          fullName: body.fullName,
          title: body.title,
          agency: body.agency,
          roles: body.roles,
          active: true,
        },
        password,
      );
      await audit(principal, user.agency, 'admin.user_created', {
        username: user.username,
        agency: user.agency,
        roles: user.roles,
        fullName: user.fullName,
      });
      return reply
        .code(201)
        .send({ user: view(user), temporaryPassword: body.password ? undefined : password });
    },
  );
}

/** Editing an account's details: roles, agency, profile. */
function registerUserEditRoute(app: App, ctx: AdminUserRouteContext): void {
  const { deps, store, audit, manageable, grantable, openAgency, keepsProvinceAdmin } = ctx;
  app.patch(
    '/admin/users/:username',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a user’s name, title, roles or agency (agency: province administrator only)',
        params: Params,
        body: UpdateUserBodySchema,
        response: { 200: UserViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const user = await manageable(principal, request.params.username);
      const body = request.body;
      if (body.roles) grantable(principal, body.roles);
      if (body.agency !== undefined && body.agency !== user.agency) {
        if (!isProvinceAdmin(principal))
          throw new LienthongError(
            'FORBIDDEN',
            'only the province administrator moves users between agencies',
          );
        await openAgency(body.agency, 'body.agency');
      }
      const after: User = { ...user, roles: body.roles ?? user.roles, agency: body.agency ?? user.agency };
      if (body.roles || body.agency) {
        await keepsProvinceAdmin(user, after);
        await assertNoFlowLosesApprovers(deps, user, after);
      }
      const updated = await store().updateUser(user.username, body);
      await audit(principal, user.agency, 'admin.user_updated', {
        username: user.username,
        before: { fullName: user.fullName, title: user.title, roles: user.roles, agency: user.agency },
        after: {
          fullName: updated.fullName,
          title: updated.title,
          roles: updated.roles,
          agency: updated.agency,
        },
      });
      if (updated.agency !== user.agency)
        await audit(principal, updated.agency, 'admin.user_joined', {
          username: user.username,
          from: user.agency,
        });
      return view(updated);
    },
  );
}

/** Access to an account: deactivate, reactivate, reset its password. */
function registerUserStatusRoutes(app: App, ctx: AdminUserRouteContext): void {
  const { deps, store, audit, manageable, openAgency, keepsProvinceAdmin } = ctx;
  app.post(
    '/admin/users/:username/deactivate',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Close an account at once (its tokens stop working); refused while it is the last possible approver of an active flow',
        params: Params,
        body: ReasonBodySchema,
        response: { 200: UserViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const user = await manageable(principal, request.params.username);
      if (user.username === principal.username)
        throw new LienthongError('CONFLICT', 'an administrator cannot close its own account');
      if (!user.active) throw new LienthongError('WRONG_STATE', `${user.username} is already deactivated`);
      await keepsProvinceAdmin(user, null);
      await assertNoFlowLosesApprovers(deps, user, null);
      const updated = await store().setActive(user.username, false);
      await audit(principal, user.agency, 'admin.user_deactivated', {
        username: user.username,
        reason: request.body?.reason,
      });
      return view(updated);
    },
  );

  app.post(
    '/admin/users/:username/reactivate',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reopen an account closed by mistake',
        params: Params,
        body: ReasonBodySchema,
        response: { 200: UserViewSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const user = await manageable(principal, request.params.username);
      if (user.active) throw new LienthongError('WRONG_STATE', `${user.username} is already active`);
      await openAgency(user.agency, 'agency');
      const updated = await store().setActive(user.username, true);
      await audit(principal, user.agency, 'admin.user_reactivated', {
        username: user.username,
        reason: request.body?.reason,
      });
      return view(updated);
    },
  );

  app.post(
    '/admin/users/:username/reset-password',
    {
      schema: {
        tags: ['admin'],
        summary: 'Set a temporary password; the user must change it before doing anything else',
        params: Params,
        body: ResetPasswordBodySchema,
        response: { 200: UserChangeResponseSchema, ...problems },
      },
    },
    async (request) => {
      const principal = requireRole(request, 'agency_admin', 'province_admin');
      const user = await manageable(principal, request.params.username);
      const password = request.body?.password ?? generatePassword();
      const updated = await store().resetPassword(user.username, password);
      await audit(principal, user.agency, 'admin.password_reset', { username: user.username });
      return { user: view(updated), temporaryPassword: request.body?.password ? undefined : password };
    },
  );
}

/**
 * User administration under /api/v1/admin/users. The province administrator manages every account; an agency
 * administrator manages only the ordinary users (drafter, approver, signer, clerk) of its own agency: another
 * agency's user is reported as not found (404), a higher account of its own agency is refused (403). Every change
 * is audited on the user's agency chain; deactivation, role and agency changes and password resets end the
 * user's sessions (token generation bump).
 */
export function adminUserRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const ctx = adminUserRouteContext(deps);
    registerUserReadRoutes(app, ctx);
    registerUserCreateRoute(app, ctx);
    registerUserEditRoute(app, ctx);
    registerUserStatusRoutes(app, ctx);
  };
}
