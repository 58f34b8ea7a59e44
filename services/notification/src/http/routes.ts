import { requireUser } from '@shop/auth';
import { AppError, Type, type ServiceApp } from '@shop/platform';
import type { NotificationRepository, NotificationView } from '../adapters/notificationRepository.ts';
import type { LiveFeed } from '../app/liveFeed.ts';
import type { EndReason, Refusal, StreamRegistry } from '../app/streamRegistry.ts';

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
  /** Admits streams within their caps and ends them (token expiry, session revoked, shutdown). */
  streams: StreamRegistry;
}

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

  /**
   * Server-sent events: `event: notification` with the notification as data,
   * for each new notification of the signed-in user; a comment line every
   * heartbeat so proxies keep the connection; resumes after Last-Event-ID.
   * At most STREAMS_PER_USER per user (429) and MAX_STREAMS per instance (503).
   * The stream ends with `event: end` and data `{"reason": ...}` when its
   * token expires, its session is revoked or the instance shuts down; the
   * client reconnects (with a fresh token) after the `retry` it was given.
   */
  app.get('/notifications/stream', async (request, reply) => {
    const user = requireUser(request);
    const lastEventId = request.headers['last-event-id'];
    const res = reply.raw;
    let open = true;
    const finish = (reason: EndReason): void => {
      if (!open) return;
      open = false;
      res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    };
    const admission = deps.streams.open(user, finish);
    if (!admission.ok) {
      if (admission.refusal === 'token-expired') void reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw refusal(admission.refusal, deps.streams);
    }
    reply.hijack();
    // The client left while its token was being verified: no 'close' will come to free the slot.
    if (res.destroyed) {
      admission.release();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    res.write('retry: 3000\n: connected\n\n');
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
    res.once('close', () => {
      open = false;
      clearInterval(heartbeat);
      unsubscribe();
      admission.release();
    });
    if (typeof lastEventId === 'string' && UUID.test(lastEventId)) {
      (await deps.notifications.since(user.userId, lastEventId).catch(() => [])).forEach(write);
    }
  });
}

// How soon a refused client may try again, s. Over its own cap: once it has closed a stream (a dropped
// connection frees its slot as soon as the socket closes). Instance full: another instance may have room now.
const USER_LIMIT_RETRY_AFTER_SEC = 10;
const INSTANCE_LIMIT_RETRY_AFTER_SEC = 5;

function refusal(reason: Refusal, streams: StreamRegistry): AppError {
  switch (reason) {
    case 'user-limit':
      return new AppError('RATE_LIMITED', {
        retryAfter: USER_LIMIT_RETRY_AFTER_SEC,
        detail: `At most ${streams.limits.perUser} live streams per user: close one first`,
      });
    case 'instance-limit':
      return new AppError('OVERLOADED', {
        retryAfter: INSTANCE_LIMIT_RETRY_AFTER_SEC,
        detail: 'This instance holds all the live streams it may',
      });
    case 'token-expired':
      // Accepted within the verifier's clock tolerance, but its stream would end at once.
      return new AppError('UNAUTHENTICATED', { detail: 'The token has expired' });
  }
}
