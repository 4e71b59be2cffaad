import { resolve } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { projectRoot } from '../../infra/project-root';
import type { AppDeps } from '../deps';
import { viteBuildRoutes } from '../static-build';

/** Where `npm run build:dashboard` writes the dashboard (Vite output). */
export const DEFAULT_DASHBOARD_DIR = resolve(projectRoot(), 'dashboard/dist');

/** Serves the leadership dashboard at /dashboard (see viteBuildRoutes for what happens when it is not built). */
export function dashboardRoutes(_deps: AppDeps, distDir = DEFAULT_DASHBOARD_DIR): FastifyPluginAsync {
  return viteBuildRoutes({
    path: '/dashboard',
    distDir,
    name: 'the dashboard',
    buildScript: 'build:dashboard',
  });
}
