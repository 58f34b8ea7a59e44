import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Dispatcher, Pool } from 'undici';
import { failureKindOf, type Backend, type BackendSet, type RetryBudget } from '@shop/mesh';
import type { Logger } from '@shop/platform';
import { appendForwardedFor, forwardable, relayed, sendRelayed, upstreamFailure } from '@shop/proxy';
import { refusal, refuse } from './ownAnswers.ts';
import { traceForward } from './serverSpan.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** What forwarding reads: the gateways, their connections, the clock and the log. */
export interface Upstreams {
  set: BackendSet;
  pools: Map<Backend, Pool>;
  /**
   * What resending a request that may have arrived (a gateway died mid-flight)
   * may add to the load, as the mesh's: resends of what never left are free.
   */
  budget: RetryBudget;
  now: () => number;
  logger: Logger;
}

/** One request on its way: what is sent, and what may be done again. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
  /** Safe to send again after it may have arrived (method or Idempotency-Key). */
  retryMidFlight: boolean;
  /** Aborted when the client leaves before its answer is out. */
  signal: AbortSignal;
  tried: Set<Backend>;
}

/**
 * Sends the request to a gateway and relays its answer, retrying on another
 * where that is safe: always when nothing was sent (refused) or the gateway
 * refused it because it is draining, and for safe requests also when the
 * connection died mid-flight, within the retry budget. An answer, whatever its
 * status, is relayed: a gateway's 5xx speaks for a service whose callers
 * already retried it, and retrying here would multiply their attempts. Failures are answered from the platform's catalogue.
 */
export async function forward(
  upstreams: Upstreams,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer | undefined,
): Promise<void> {
  const exchange = prepare(req, res, body);
  upstreams.budget.recordRequest();
  for (;;) {
    const backend = upstreams.set.pick(upstreams.now(), exchange.tried);
    if (!backend) return refuse(res, refusal('DEPENDENCY_UNAVAILABLE', 'No gateway instance is available', 1));
    exchange.tried.add(backend);
    backend.outstanding += 1;
    try {
      if (await tryGateway(upstreams, exchange, backend)) return;
    } finally {
      backend.outstanding -= 1;
    }
  }
}

function prepare(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Exchange {
  const headers = forwardable(req.headers);
  headers['x-request-id'] ??= randomUUID();
  headers['x-forwarded-for'] = appendForwardedFor(req.headers['x-forwarded-for'], req.socket.remoteAddress ?? '');
  const span = traceForward(req, res, headers);
  const abort = new AbortController();
  res.once('close', () => {
    if (res.writableFinished) return;
    abort.abort();
    span.end();
  });
  const method = req.method ?? 'GET';
  const retryMidFlight = IDEMPOTENT.has(method) || req.headers['idempotency-key'] !== undefined;
  return { req, res, method, headers, body, retryMidFlight, signal: abort.signal, tried: new Set() };
}

/** One gateway's try: true when the request is done with (answered, or the client gone), false to try another. */
async function tryGateway(upstreams: Upstreams, exchange: Exchange, backend: Backend): Promise<boolean> {
  const { req, res } = exchange;
  try {
    const upstream = await upstreams.pools.get(backend)!.request({
      path: req.url ?? '/',
      method: exchange.method,
      headers: exchange.headers,
      body: exchange.body,
      signal: exchange.signal,
    });
    if (isDrainRefusal(upstream) && drained(upstreams, exchange, backend)) {
      await upstream.body.dump();
      return false;
    }
    await sendRelayed(res, upstream.statusCode, await relayed(upstream));
    upstreams.set.succeeded(backend, upstreams.now());
    return true;
  } catch (error) {
    if (exchange.signal.aborted) return true;
    if (res.headersSent) {
      res.destroy();
      return true;
    }
    return !failed(upstreams, { exchange, backend, error });
  }
}

/** The gateway refused because it is draining: ejected; whether the request goes to another. */
function drained(upstreams: Upstreams, exchange: Exchange, backend: Backend): boolean {
  upstreams.set.eject(backend, upstreams.now());
  upstreams.logger.warn({ backend: backend.url }, 'gateway is shutting down; ejected');
  return exchange.retryMidFlight && upstreams.set.pick(upstreams.now(), exchange.tried) !== undefined;
}

/**
 * A gateway gave no answer: out of rotation (softly for a timeout), and
 * whether the request may go to another. If not, the client is answered here.
 */
function failed(
  upstreams: Upstreams,
  { exchange, backend, error }: { exchange: Exchange; backend: Backend; error: unknown },
): boolean {
  const kind = failureKindOf(error);
  // A gateway that answers too slowly may only be as slow as everything
  // else now: it goes out only while the others can take its share.
  let ejected = true;
  if (kind === 'timeout') ejected = upstreams.set.ejectSoft(backend, upstreams.now());
  else upstreams.set.eject(backend, upstreams.now());
  upstreams.logger.warn(
    { backend: backend.url, code: (error as { code?: string }).code, err: (error as Error).message },
    ejected ? 'gateway failed; ejected' : 'gateway failed; kept, the others are out',
  );
  if (kind === 'refused' || (exchange.retryMidFlight && upstreams.budget.tryRetry())) return true;
  const detail = 'The gateway failed while handling the request; it was not retried because it is not idempotent';
  refuse(exchange.res, upstreamFailure(kind, detail, error));
  return false;
}

/**
 * A gateway's own "I am going away" answer: 503 with the connection closed.
 * Services' 503s pass through a gateway without their Connection header, so
 * an upstream's refusal (which another gateway would only repeat) is not taken
 * for one, except from a gateway already draining, where going elsewhere is right.
 */
function isDrainRefusal(upstream: Pick<Dispatcher.ResponseData, 'statusCode' | 'headers'>): boolean {
  return upstream.statusCode === 503 && /\bclose\b/i.test(String(upstream.headers.connection ?? ''));
}
