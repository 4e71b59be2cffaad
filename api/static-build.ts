import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { sendProblem } from './problem';

/**
 * Serves a page's Vite build (the dashboard, the workspace) at `path`, without authentication: the page signs in
 * through POST /api/v1/auth/login like any client. When the build is missing, `path` answers 404 saying which npm
 * script builds it, and the API works as before.
 */
export function viteBuildRoutes(page: {
  path: string;
  distDir: string;
  /** What the 404 calls it ("the dashboard"). */
  name: string;
  buildScript: string;
}): FastifyPluginAsync {
  return async (app) => {
    const built = existsSync(join(page.distDir, 'index.html'));
    app.get(page.path, { schema: { hide: true } }, async (_request, reply) =>
      built
        ? reply.redirect(`${page.path}/`, 302)
        : sendProblem(reply, {
            code: 'NOT_FOUND',
            detail: `${page.name[0]!.toUpperCase()}${page.name.slice(1)} is not built: run \`npm run ${page.buildScript}\``,
          }),
    );
    if (!built) return;
    await app.register(fastifyStatic, {
      root: page.distDir,
      prefix: `${page.path}/`,
      decorateReply: false,
      index: ['index.html'],
      setHeaders: (res, file) => {
        // Vite's assets carry a content hash in their name; index.html (and pdf.js's font files) must be revalidated.
        res.header(
          'cache-control',
          file.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  };
}
