import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ChangePasswordBodySchema } from '../../schemas/admin';
import { LoginRequestSchema, LoginResponseSchema, ProblemSchema } from '../../schemas/api';
import { LienthongError } from '../../schemas/errors';
import { IdentityAdminStore } from '../../store/identity-admin';
import { sendProblem } from '../problem';
import type { AppDeps } from '../deps';

/** Largest login request body read (bytes). */
export const LOGIN_BODY_LIMIT = 16 * 1024;

/**
 * POST /api/v1/auth/login: username + password → JWT. Attempts are rate-limited per username and per client
 * address in fixed windows (429 with Retry-After), counted before the password is checked.
 */
export function authRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const { login } = deps.config.auth;
  return async (app) => {
    app.post(
      '/auth/login',
      {
        // The one route that reads an anonymous body: a login is a few hundred bytes, so no more is read.
        bodyLimit: Math.min(deps.config.http.bodyLimit, LOGIN_BODY_LIMIT),
        schema: {
          tags: ['auth'],
          summary: 'Sign in and receive a bearer token',
          body: LoginRequestSchema,
          security: [],
          response: { 200: LoginResponseSchema, 401: ProblemSchema, 429: ProblemSchema },
        },
      },
      async (request, reply) => {
        const now = deps.clock();
        const username = request.body.username.trim().toLowerCase();
        const [byUser, byIp] = await Promise.all([
          deps.loginAttempts.hit(`user:${username}`, login.maxPerUser, now),
          deps.loginAttempts.hit(`ip:${request.ip}`, login.maxPerIp, now),
        ]);
        if (!byUser.allowed || !byIp.allowed) {
          deps.metrics.loginAttempts.inc({ outcome: 'rate_limited' });
          reply.header('retry-after', String(Math.max(byUser.retryAfterSeconds, byIp.retryAfterSeconds)));
          return sendProblem(reply, {
            code: 'RATE_LIMITED',
            detail: 'Too many login attempts; try again later',
          });
        }
        const user = await deps.identity.authenticate(username, request.body.password);
        if (!user) {
          deps.metrics.loginAttempts.inc({ outcome: 'failed' });
          request.log.warn({ username }, 'login failed');
          return sendProblem(reply, { code: 'INVALID_CREDENTIALS', detail: 'Wrong username or password' });
        }
        deps.metrics.loginAttempts.inc({ outcome: 'ok' });
        // The change bumped the token generation: the new token carries the new one.
        const tokenVersion = (await deps.identity.currentAccount(user.username))?.tokenVersion ?? 0;
        const { token, expiresAt } = await deps.tokens.issue({ ...user, tokenVersion }, now);
        return {
          token,
          tokenType: 'Bearer' as const,
          expiresAt: expiresAt.toISOString(),
          user: { username: user.username, fullName: user.fullName, agency: user.agency, roles: user.roles },
          passwordChangeRequired: user.passwordChangeRequired ?? false,
        };
      },
    );

    app.post(
      '/auth/password',
      {
        schema: {
          tags: ['auth'],
          summary: 'Change one’s own password (required after a reset); answers a fresh token',
          body: ChangePasswordBodySchema,
          response: {
            200: LoginResponseSchema,
            400: ProblemSchema,
            401: ProblemSchema,
            409: ProblemSchema,
            429: ProblemSchema,
          },
        },
      },
      async (request, reply) => {
        const now = deps.clock();
        const match = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i);
        if (!match) throw new LienthongError('UNAUTHENTICATED', 'Authorization: Bearer <token> is required');
        const principal = await deps.tokens.verify(match[1], now);
        // Outside the authenticated scope: check here, as `authenticate` does, that the token is still current.
        const account = await deps.identity.currentAccount(principal.username);
        if (!account?.active || account.tokenVersion !== principal.tokenVersion)
          throw new LienthongError('UNAUTHENTICATED', 'The token was revoked; sign in again');
        const limit = await deps.loginAttempts.hit(`user:${principal.username}`, login.maxPerUser, now);
        if (!limit.allowed) {
          reply.header('retry-after', String(limit.retryAfterSeconds));
          return sendProblem(reply, { code: 'RATE_LIMITED', detail: 'Too many attempts; try again later' });
        }
        if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
        const user = await new IdentityAdminStore(deps.db).changePassword(
          principal.username,
          request.body.currentPassword,
          request.body.newPassword,
        );
        await deps.audit.append({
          id: `auth.password_changed:${user.username}:${now.toISOString()}`,
          time: now.toISOString(),
          agency: user.agency,
          actor: user.username,
          type: 'auth.password_changed',
          details: { username: user.username, wasRequired: principal.passwordChangeRequired ?? false },
        });
        // The change bumped the token generation: the new token carries the new one.
        const tokenVersion = (await deps.identity.currentAccount(user.username))?.tokenVersion ?? 0;
        const { token, expiresAt } = await deps.tokens.issue({ ...user, tokenVersion }, now);
        return {
          token,
          tokenType: 'Bearer' as const,
          expiresAt: expiresAt.toISOString(),
          user: { username: user.username, fullName: user.fullName, agency: user.agency, roles: user.roles },
          passwordChangeRequired: false,
        };
      },
    );
  };
}
