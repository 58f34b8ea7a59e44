import { requireUser } from '@shop/auth';
import { AppError, Type, type ServiceApp } from '@shop/platform';
import type { NotificationRoutesDeps } from './deps.ts';
import { registerNotificationStream } from './stream.ts';

const NotificationSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  read: Type.Boolean(),
  readAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
    unread: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** The signed-in user's notifications: list, mark read, and the live stream (stream.ts). */
export function registerNotificationRoutes(app: ServiceApp, deps: NotificationRoutesDeps): void {
  app.get(
    '/notifications',
    {
      schema: {
        querystring: ListQuery,
        response: {
          200: Type.Object({
            items: Type.Array(NotificationSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const user = requireUser(request);
      return deps.notifications.list(user.userId, {
        limit: request.query.limit,
        cursor: request.query.cursor,
        unread: request.query.unread,
      });
    },
  );

  app.post(
    '/notifications/:id/read',
    { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: NotificationSchema } } },
    async (request) => {
      const user = requireUser(request);
      const updated = await deps.notifications.markRead(user.userId, request.params.id);
      // Another user's notification is indistinguishable from a missing one.
      if (!updated) throw new AppError('NOT_FOUND', { detail: 'No such notification' });
      return updated;
    },
  );

  registerNotificationStream(app, deps);
}
