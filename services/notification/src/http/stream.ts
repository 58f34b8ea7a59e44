import type { ServerResponse } from 'node:http';
import { requireUser } from '@shop/auth';
import { AppError, type ServiceApp } from '@shop/platform';
import type { EndReason, Refusal, StreamRegistry } from '../app/streamRegistry.ts';
import type { NotificationView } from '../domain/ports.ts';
import type { NotificationRoutesDeps } from './deps.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Server-sent events: `event: notification` with the notification as data,
 * for each new notification of the signed-in user; a comment line every
 * heartbeat so proxies keep the connection; resumes after Last-Event-ID.
 * At most STREAMS_PER_USER per user (429) and MAX_STREAMS per instance (503).
 * The stream ends with `event: end` and data `{"reason": ...}` when its
 * token expires, its session is revoked or the instance shuts down; the
 * client reconnects (with a fresh token) after the `retry` it was given.
 */
export function registerNotificationStream(app: ServiceApp, deps: NotificationRoutesDeps): void {
  app.get('/notifications/stream', async (request, reply) => {
    const user = requireUser(request);
    const res = reply.raw;
    const stream = { open: true };
    const finish = (reason: EndReason): void => {
      if (!stream.open) return;
      stream.open = false;
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
    startStream(res, request.id);
    const write = (n: NotificationView): void => {
      if (stream.open) res.write(`id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
    };
    const push = (id: string): void => {
      deps.notifications.get(user.userId, id).then(
        (n) => n && write(n),
        (error: unknown) => request.log.warn({ err: error }, 'could not load a notification for the stream'),
      );
    };
    const unsubscribe = deps.feed.subscribe(user.userId, push);
    const heartbeat = setInterval(() => {
      if (stream.open) res.write(': heartbeat\n\n');
    }, deps.heartbeatMs);
    heartbeat.unref();
    res.once('close', () => {
      stream.open = false;
      clearInterval(heartbeat);
      unsubscribe();
      admission.release();
    });
    const lastEventId = request.headers['last-event-id'];
    if (typeof lastEventId === 'string' && UUID.test(lastEventId)) {
      (await deps.notifications.since(user.userId, lastEventId).catch(() => [])).forEach(write);
    }
  });
}

/** The event stream's head and its first lines: the reconnection delay, and a comment that it is open. */
function startStream(res: ServerResponse, requestId: string): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
  res.write('retry: 3000\n: connected\n\n');
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
