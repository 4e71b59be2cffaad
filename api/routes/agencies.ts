import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AgencyListSchema, ProblemSchema } from '../../schemas/api';
import { AgencyLevelSchema, UserSchema } from '../../schemas/identity';
import { LienthongError } from '../../schemas/errors';
import { principalOf } from '../auth';
import type { AppDeps } from '../deps';

/** Directory routes any signed-in user may read: the agency tree and the caller's own account. */
export function directoryRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/agencies',
      {
        schema: {
          tags: ['directory'],
          summary: 'List agencies (code, name, level, parent)',
          querystring: z.object({ level: AgencyLevelSchema.optional() }),
          response: { 200: AgencyListSchema, 401: ProblemSchema },
        },
      },
      async (request) => ({ items: await deps.identity.listAgencies({ level: request.query.level }) }),
    );

    app.get(
      '/me',
      {
        schema: {
          tags: ['directory'],
          summary: 'The signed-in user',
          response: { 200: UserSchema, 401: ProblemSchema },
        },
      },
      async (request) => {
        const user = await deps.identity.getUser(principalOf(request).username);
        if (!user) throw new LienthongError('UNAUTHENTICATED', 'The account no longer exists');
        return user;
      },
    );
  };
}
