import { STATUS_CODES, type ServerResponse } from 'node:http';
import { failureCode, type FailureKind } from '@shop/mesh';
import { AppError, toProblem } from '@shop/platform';

// Answers a proxy writes itself, outside any framework: RFC 9457
// problem+json from the platform's one catalogue, so a code always carries
// the status the catalogue gives it, wherever it is answered.

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/** Headers of a problem answer: its type and length, Retry-After when the error has one, and `extra`. */
function problemHeaders(error: AppError, document: string, extra?: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': PROBLEM_TYPE,
    'content-length': String(Buffer.byteLength(document)),
    ...extra,
  };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfter)));
  return headers;
}

/** Answers `error` on a node:http response (nothing, if an answer is already under way). */
export function writeProblem(res: ServerResponse, error: AppError, extra?: Record<string, string>): void {
  if (res.headersSent) return;
  const document = JSON.stringify(toProblem(error));
  res.writeHead(error.status, problemHeaders(error, document, extra));
  res.end(document);
}

/**
 * The whole HTTP/1.1 answer for `error`, as bytes for a raw socket (an error
 * before node:http handed us a request), with `connection: close`.
 */
export function rawProblem(error: AppError, extra?: Record<string, string>): string {
  const document = JSON.stringify(toProblem(error));
  const headers = { ...problemHeaders(error, document, extra), connection: 'close' };
  const head = [`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}`];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  return `${head.join('\r\n')}\r\n\r\n${document}`;
}

/**
 * An upstream that gave no answer, as the catalogue's error: a timeout is
 * DEADLINE_EXCEEDED (504), anything else DEPENDENCY_UNAVAILABLE (503), the
 * rule the mesh client applies to its calls (failureCode).
 */
export function upstreamFailure(kind: FailureKind, detail: string, cause?: unknown): AppError {
  return new AppError(failureCode(kind), { detail, retryAfter: 1, cause });
}
