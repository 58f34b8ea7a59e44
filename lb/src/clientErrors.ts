import type { Server, ServerOptions, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '@shop/platform';
import { rawProblem } from '@shop/proxy';
import type { ClientLimits } from './clientLimits.ts';
import { OWN_HEADERS } from './ownAnswers.ts';

/** Both sides' node:http settings: the header and whole-request deadlines, checked often enough to be kept. */
export function serverOptions(limits: ClientLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // node:http looks for expired requests on this interval (30 s by default, longer than the deadlines themselves).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * What node:http reports before a request reaches the handler (headers or
 * request past their deadline, a malformed or oversized head) is answered as
 * problem+json on the raw socket, then the connection is closed. Nothing is
 * written over an answer already under way.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Duplex,
  answering: ServerResponse | undefined,
): void {
  const midAnswer = answering !== undefined && answering.headersSent && !answering.writableFinished;
  if (!socket.writable || midAnswer || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  socket.end(rawProblem(clientErrorAnswer(error.code), OWN_HEADERS), () => socket.destroy());
}

function clientErrorAnswer(code: string | undefined): AppError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new AppError('REQUEST_TIMEOUT', { detail: 'The request did not arrive in time' });
  if (code === 'HPE_HEADER_OVERFLOW')
    return new AppError('HEADERS_TOO_LARGE', { detail: 'The request headers are too large' });
  return new AppError('VALIDATION_FAILED', { detail: 'The request is not valid HTTP' });
}

/** Stops accepting and resolves once every connection is gone (idle keep-alive ones closed at once). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
