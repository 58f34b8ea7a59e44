import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceApp } from '@shop/platform';
import type { Faults } from './faults.ts';
import { fingerprint, type SandboxStore, type StoredResponse } from './store.ts';
import { apiError, errorBody, idempotencyKey, sendError } from './stripeErrors.ts';

export interface Outcome {
  response: StoredResponse;
  /** Committed, but the caller never hears: the connection is destroyed instead of answered. */
  drop?: boolean;
}

export interface SandboxContext {
  store: SandboxStore;
  faults: Faults;
}

/**
 * Runs a mutating call under Stripe's idempotency rules. The key is claimed
 * before the (simulated) processing time, so a concurrent retry sees 409; an
 * injected 500 frees the key (nothing happened); any executed outcome, success
 * or refusal, is stored and replayed with `Idempotent-Replayed: true`.
 */
export async function runIdempotent(
  ctx: SandboxContext,
  call: { request: FastifyRequest; reply: FastifyReply },
  params: unknown,
  execute: (key: string) => Outcome,
): Promise<FastifyReply> {
  const { request, reply } = call;
  const header = idempotencyKey(request.headers);
  if ('error' in header) return sendError(reply, 400, header.error);
  const key = header.key;
  const path = request.routeOptions.url ?? request.url;
  const claim = ctx.store.claim(key, fingerprint(path, params));
  switch (claim.kind) {
    case 'mismatch':
      return sendError(reply, 400, {
        type: 'idempotency_error',
        code: 'idempotency_key_reused',
        message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
      });
    case 'in_flight':
      return sendError(reply, 409, {
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        message: 'There is currently another in-progress request using this Idempotency Key. Try again later.',
      });
    case 'replay':
      return reply.header('idempotent-replayed', 'true').status(claim.response.status).send(claim.response.body);
    case 'claimed':
      break;
  }
  const { latencyMs } = ctx.faults.settings;
  if (latencyMs > 0) await sleep(latencyMs);
  if (ctx.faults.injectError()) {
    ctx.store.release(key);
    return reply.status(500).send(errorBody(apiError));
  }
  const outcome = execute(key);
  ctx.store.complete(key, outcome.response);
  if (outcome.drop) {
    reply.hijack();
    request.raw.socket.destroy();
    return reply;
  }
  return reply.status(outcome.response.status).send(outcome.response.body);
}

/** Latency and injected errors for calls that change nothing (reads). */
export async function readFaults(ctx: SandboxContext, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const { latencyMs } = ctx.faults.settings;
  if (latencyMs > 0) await sleep(latencyMs);
  if (ctx.faults.injectError()) return reply.status(500).send(errorBody(apiError));
  return undefined;
}

/**
 * GET `path`?idempotency_key=…: the object a key created, as a one-item list (empty when the key
 * never executed). How the payment service settles an outcome it never heard. A key still
 * executing is 409: "not found" now would be a lie the caller could act on.
 */
export function registerKeyLookup(
  app: ServiceApp,
  ctx: SandboxContext,
  lookup: { path: string; find: (key: string) => object | undefined },
): void {
  app.get(lookup.path, async (request, reply) => {
    const faulted = await readFaults(ctx, reply);
    if (faulted) return faulted;
    const key = (request.query as Record<string, unknown>).idempotency_key;
    if (typeof key !== 'string' || key.length === 0)
      return sendError(reply, 400, {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        param: 'idempotency_key',
        message: 'idempotency_key is required.',
      });
    if (ctx.store.inFlight(key))
      return sendError(reply, 409, {
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        message: 'A request with this key is still being processed.',
      });
    const found = lookup.find(key);
    return reply.send({ object: 'list', data: found ? [found] : [], has_more: false });
  });
}
