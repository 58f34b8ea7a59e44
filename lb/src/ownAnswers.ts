import type { ServerResponse } from 'node:http';
import { AppError, type ErrorCode } from '@shop/platform';
import { writeProblem } from '@shop/proxy';

// What the balancer answers itself (its probes, its refusals), never what a
// gateway said: JSON or problem+json from the platform's catalogue.

/** On every answer the balancer writes itself: not to be sniffed into something else, nor cached. */
export const OWN_HEADERS: Record<string, string> = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...OWN_HEADERS,
  });
  res.end(text);
}

/** Refuses the request with the catalogue's status for `error`'s code. */
export function refuse(res: ServerResponse, error: AppError): void {
  writeProblem(res, error, OWN_HEADERS);
}

/** A refusal by code and detail, with Retry-After when given. */
export function refusal(code: ErrorCode, detail: string, retryAfter?: number): AppError {
  return new AppError(code, retryAfter === undefined ? { detail } : { detail, retryAfter });
}
