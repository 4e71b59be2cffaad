import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemSchema } from '../../schemas/api';
import { NotificationListSchema, NotificationQuerySchema } from '../../schemas/document';
import { LienthongError } from '../../schemas/errors';
import { NotificationStore } from '../../store/notification-store';
import { principalOf } from '../auth';
import type { AppDeps } from '../deps';

/**
 * The caller's own notices under /api/v1/notifications: a received document they hold (as clerk, assignee or
 * anyone who acted on it) was recalled or superseded by a newer version.
 */
export function notificationRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const store = () => {
      if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
      return new NotificationStore(deps.db);
    };

    app.get(
      '/notifications',
      {
        schema: {
          tags: ['inbox'],
          summary: 'My notifications, newest first (?unread=true for unread only)',
          querystring: NotificationQuerySchema,
          response: { 200: NotificationListSchema, 400: ProblemSchema, 401: ProblemSchema },
        },
      },
      async (request) => {
        const { username } = principalOf(request);
        const items = await store().list(username, {
          unreadOnly: request.query.unread === 'true',
          limit: request.query.limit,
        });
        return { items, unread: await store().countUnread(username) };
      },
    );

    app.post(
      '/notifications/:id/read',
      {
        schema: {
          tags: ['inbox'],
          summary: 'Mark one of my notifications read',
          params: z.object({ id: z.string().min(1).max(500) }),
          response: {
            200: z.object({ id: z.string(), read: z.literal(true) }),
            401: ProblemSchema,
            404: ProblemSchema,
          },
        },
      },
      async (request) => {
        const { username } = principalOf(request);
        if (!(await store().markRead(username, request.params.id)))
          throw new LienthongError('NOT_FOUND', 'No such notification');
        return { id: request.params.id, read: true as const };
      },
    );
  };
}
