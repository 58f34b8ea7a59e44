// Deadline: the caller's time budget (the mesh's x-request-timeout-ms) becomes `request.deadline`,
// and `requestSignal` turns it into an AbortSignal handlers pass down.
import type { FastifyReply } from 'fastify';
import { DEADLINE_HEADER } from '@shop/mesh';
import { AppError } from '../errors.ts';
import type { RequestStep } from './callerIdentity.ts';
import { sendProblem } from './problems.ts';

const MAX_DEADLINE_MS = 120_000;

/**
 * Reads the deadline header (when `accept`): no time left is 504 at once; a budget is capped at
 * two minutes. An edge facing the public does not accept it: from outside the header is a
 * client's say-so, and a client must not be able to make the edge answer 504.
 */
export function deadline(accept: boolean): RequestStep {
  if (!accept) return () => true;
  return (request, reply) => {
    const budget = request.headers[DEADLINE_HEADER];
    if (typeof budget !== 'string' || !/^\d+$/.test(budget)) return true;
    const ms = Number(budget);
    if (ms <= 0) {
      sendProblem(request, reply, new AppError('DEADLINE_EXCEEDED', { detail: 'The caller had no time left' }));
      return false;
    }
    request.deadline = Date.now() + Math.min(ms, MAX_DEADLINE_MS);
    return true;
  };
}

/** An AbortSignal that fires when the caller's deadline passes or it disconnects: stop working for it. */
export function requestSignal(request: { deadline: number | undefined }, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  if (request.deadline !== undefined) {
    const timer = setTimeout(
      () => controller.abort(new AppError('DEADLINE_EXCEEDED')),
      Math.max(0, request.deadline - Date.now()),
    );
    timer.unref();
    reply.raw.once('finish', () => clearTimeout(timer));
  }
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished)
      controller.abort(new AppError('DEADLINE_EXCEEDED', { detail: 'The caller went away' }));
  });
  return controller.signal;
}
