import { resolve } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { projectRoot } from '../../infra/project-root';
import type { AppDeps } from '../deps';
import { viteBuildRoutes } from '../static-build';

/** Where `npm run build:workspace` writes the agency workspace (Vite output). */
export const DEFAULT_WORKSPACE_DIR = resolve(projectRoot(), 'workspace/dist');

/**
 * Serves the agency workspace at /app: the page calls the API with its bearer token like any client (see
 * viteBuildRoutes for what happens when it is not built).
 */
export function workspaceRoutes(_deps: AppDeps, distDir = DEFAULT_WORKSPACE_DIR): FastifyPluginAsync {
  return viteBuildRoutes({ path: '/app', distDir, name: 'the workspace', buildScript: 'build:workspace' });
}
