import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { projectRoot } from '../../infra/project-root';
import { sendProblem } from '../problem';
import type { AppDeps } from '../deps';

/** Where `npm run build:workspace` writes the agency workspace (Vite output). */
export const DEFAULT_WORKSPACE_DIR = resolve(projectRoot(), 'workspace/dist');

/**
 * Serves the agency workspace (static files of the Vite build) at /app, without authentication: the page signs in
 * through POST /api/v1/auth/login and calls the API with its bearer token like any client. When the build is
 * missing, /app answers 404 with how to build it, and the API works as before.
 */
export function workspaceRoutes(_deps: AppDeps, distDir = DEFAULT_WORKSPACE_DIR): FastifyPluginAsync {
  return async (app) => {
    const built = existsSync(join(distDir, 'index.html'));
    app.get('/app', { schema: { hide: true } }, async (_request, reply) =>
      built
        ? reply.redirect('/app/', 302)
        : sendProblem(reply, {
            code: 'NOT_FOUND',
            detail: 'The workspace is not built: run `npm run build:workspace`',
          }),
    );
    if (!built) return;
    await app.register(fastifyStatic, {
      root: distDir,
      prefix: '/app/',
      decorateReply: false,
      index: ['index.html'],
      setHeaders: (res, path) => {
        // Vite's assets carry a content hash in their name; index.html and pdf.js's font files must be revalidated.
        res.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  };
}
