import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LoginRequestSchema, LoginResponseSchema, ProblemSchema } from '../../schemas/api';
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
        const { token, expiresAt } = await deps.tokens.issue(user, now);
        return {
          token,
          tokenType: 'Bearer' as const,
          expiresAt: expiresAt.toISOString(),
          user: { username: user.username, fullName: user.fullName, agency: user.agency, roles: user.roles },
        };
      },
    );
  };
}
