import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { projectRoot } from '../../infra/project-root';
import { sendProblem } from '../problem';
import type { AppDeps } from '../deps';

/** Where `npm run build:dashboard` writes the dashboard (Vite output). */
export const DEFAULT_DASHBOARD_DIR = resolve(projectRoot(), 'dashboard/dist');

/**
 * Serves the leadership dashboard (static files of the Vite build) at /dashboard, without authentication: the
 * page signs in through POST /api/v1/auth/login like any client. When the build is missing, /dashboard answers 404
 * with how to build it, and the API works as before.
 */
export function dashboardRoutes(_deps: AppDeps, distDir = DEFAULT_DASHBOARD_DIR): FastifyPluginAsync {
  return async (app) => {
    const built = existsSync(join(distDir, 'index.html'));
    app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) =>
      built
        ? reply.redirect('/dashboard/', 302)
        : sendProblem(reply, {
            code: 'NOT_FOUND',
            detail: 'The dashboard is not built: run `npm run build:dashboard`',
          }),
    );
    if (!built) return;
    await app.register(fastifyStatic, {
      root: distDir,
      prefix: '/dashboard/',
      decorateReply: false,
      index: ['index.html'],
      setHeaders: (res, path) => {
        // Vite's assets carry a content hash in their name; index.html must be revalidated.
        res.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  };
}
