import { requireUser } from '@shop/auth';
import { AppError, Type, type ServiceApp } from '@shop/platform';
import type { NotificationRepository, NotificationView } from '../adapters/notificationRepository.ts';
import type { LiveFeed } from '../app/liveFeed.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

export interface NotificationRoutesDeps {
  notifications: NotificationRepository;
  feed: LiveFeed;
  heartbeatMs: number;
  /** Open streams register a closer here, so shutdown ends them instead of waiting on them. */
  streams: Set<() => void>;
}

export function registerNotificationRoutes(app: ServiceApp, deps: NotificationRoutesDeps): void {
  app.get('/notifications', { schema: { querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(NotificationSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) } } }, async (request) => {
    const user = requireUser(request);
    return deps.notifications.list(user.userId, { limit: request.query.limit, cursor: request.query.cursor, unread: request.query.unread });
  });

  app.post('/notifications/:id/read', { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: NotificationSchema } } }, async (request) => {
    const user = requireUser(request);
    const updated = await deps.notifications.markRead(user.userId, request.params.id);
    // Another user's notification is indistinguishable from a missing one.
    if (!updated) throw new AppError('NOT_FOUND', { detail: 'No such notification' });
    return updated;
  });

  /**
   * Server-sent events: `event: notification` with the notification as data,
   * for each new notification of the signed-in user; a comment line every
   * heartbeat so proxies keep the connection; resumes after Last-Event-ID.
   */
  app.get('/notifications/stream', async (request, reply) => {
    const user = requireUser(request);
    const lastEventId = request.headers['last-event-id'];
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    res.write('retry: 3000\n: connected\n\n');
    let open = true;
    const write = (n: NotificationView): void => {
      if (open) res.write(`id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
    };
    const push = (id: string): void => {
      deps.notifications.get(user.userId, id).then(
        (n) => n && write(n),
        (error: unknown) => request.log.warn({ err: error }, 'could not load a notification for the stream'),
      );
    };
    const unsubscribe = deps.feed.subscribe(user.userId, push);
    const heartbeat = setInterval(() => {
      if (open) res.write(': heartbeat\n\n');
    }, deps.heartbeatMs);
    heartbeat.unref();
    const end = (): void => {
      if (open) res.end();
    };
    deps.streams.add(end);
    res.once('close', () => {
      open = false;
      clearInterval(heartbeat);
      unsubscribe();
      deps.streams.delete(end);
    });
    if (typeof lastEventId === 'string' && UUID.test(lastEventId)) {
      (await deps.notifications.since(user.userId, lastEventId).catch(() => [])).forEach(write);
    }
  });
}
