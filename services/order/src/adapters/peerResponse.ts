import { AppError, type PeerResponse } from '@shop/platform';
import { PeerRejectedError } from '../domain/ports.ts';

/** The problem+json `code` of a peer's error answer, if it sent one. */
export function problemCode(response: PeerResponse): string | undefined {
  const body = response.body as { code?: unknown } | null;
  return body && typeof body === 'object' && typeof body.code === 'string' ? body.code : undefined;
}

/**
 * An answer the adapter did not expect: a 5xx (or 408/429) is transient and
 * becomes a catalogued 503 the saga retries; any other status is a refusal.
 */
export function unexpected(service: string, what: string, response: PeerResponse): Error {
  const code = problemCode(response);
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    return new AppError('DEPENDENCY_UNAVAILABLE', {
      retryAfter: 1,
      detail: `The ${service} service could not ${what} (${response.status}${code ? ` ${code}` : ''})`,
    });
  }
  return new PeerRejectedError(
    `The ${service} service refused to ${what} (${response.status}${code ? ` ${code}` : ''})`,
    response.status,
    code,
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A 2xx body that is not what the contract promised is the peer's fault, not ours: transient. */
export function malformed(service: string, what: string): AppError {
  return new AppError('DEPENDENCY_UNAVAILABLE', {
    retryAfter: 1,
    detail: `The ${service} service answered ${what} with an unexpected body`,
  });
}
