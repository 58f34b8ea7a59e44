// Connections: how a response leaves its connection. While draining every response closes it,
// so keep-alive clients reconnect elsewhere; a 413 lingers to read a small rest of the body.
import type { Lifecycle, ServiceApp } from '../serviceApp.ts';

/**
 * Whether a too-large body (declared by Content-Length) is small enough to read
 * and discard after answering 413. Closing at once makes the kernel reset the
 * connection under a client still sending, and the reset destroys the 413 the
 * client has not read yet (a browser shows "connection reset", not our
 * problem document). Past a few times the limit, closing is cheaper.
 */
export function lingerOver(contentLength: string | undefined, bodyLimit: number): boolean {
  if (contentLength === undefined || !/^\d{1,12}$/.test(contentLength)) return false;
  return Number(contentLength) <= Math.min(4 * bodyLimit, 16 * 1_048_576);
}

/** Registers the onSend hook. */
export function registerConnections(app: ServiceApp, options: { lifecycle: Lifecycle; bodyLimit: number }): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    if (options.lifecycle.draining) void reply.header('connection', 'close');
    else if (reply.statusCode === 413 && lingerOver(request.headers['content-length'], options.bodyLimit))
      reply.removeHeader('connection');
    done(null, payload);
  });
}
