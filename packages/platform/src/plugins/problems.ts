// Errors plugin: every 4xx and 5xx leaves as problem+json from the one catalogue (errors.ts),
// whatever threw it: a handler, validation, the router (404) or Fastify itself.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, toProblem, type ErrorCode } from '../errors.ts';
import { meshError } from '../peers.ts';
import type { ServiceApp } from '../serviceApp.ts';
import { fieldErrors } from '../validation.ts';

const statusCodes: Partial<Record<number, ErrorCode>> = {
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SHUTTING_DOWN',
};

/** Every error leaves as an AppError: unknown errors become INTERNAL and are logged with their stack. */
export function normalise(error: FastifyError, request: FastifyRequest): AppError {
  if (isAppError(error)) return error;
  if (error.validation) {
    const errors = fieldErrors(error.validation, error.validationContext);
    const first = errors[0];
    return new AppError('VALIDATION_FAILED', {
      detail: first ? `${first.field} ${first.message}` : error.message,
      errors,
    });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code =
      statusCodes[status] ??
      (error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError ? 'MALFORMED_BODY' : 'VALIDATION_FAILED');
    return new AppError(code, { detail: error.message });
  }
  if (status === 503) return new AppError('SHUTTING_DOWN', { retryAfter: 1 });
  request.log.error({ err: error }, 'unhandled error');
  return new AppError('INTERNAL', { detail: 'An unexpected error occurred; it has been logged.' });
}

/** Answers with `error` as problem+json (with Retry-After when it has one) and the request's id. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): void {
  if (error.retryAfter !== undefined)
    void reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfter))));
  void reply
    .status(error.status)
    .type('application/problem+json')
    .send({ ...toProblem(error, request.url.split('?')[0]), requestId: request.id });
}

export interface ProblemsOptions {
  /** Translate adapter errors (pool exhausted, database down) into catalogued ones; mesh errors always are. */
  errorMappers?: Array<(error: unknown) => AppError | undefined>;
}

/** Installs the error and not-found handlers. (Fastify's own framework errors: see `frameworkErrors`.) */
export function registerProblems(app: ServiceApp, options: ProblemsOptions = {}): void {
  const mappers = [meshError, ...(options.errorMappers ?? [])];
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = mappers.reduce<AppError | undefined>((found, map) => found ?? map(error), undefined);
    sendProblem(request, reply, mapped ?? normalise(error, request));
  });
  app.setNotFoundHandler((request, reply) => {
    sendProblem(
      request,
      reply,
      new AppError('NOT_FOUND', { detail: `No route for ${request.method} ${request.url.split('?')[0] ?? ''}` }),
    );
  });
}

/** Fastify's `frameworkErrors` option: a malformed request line or header is a 400 problem. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(request, reply, new AppError('VALIDATION_FAILED', { detail: error.message }));
}
