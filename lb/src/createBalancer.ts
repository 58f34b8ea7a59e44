import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Pool, errors as undiciErrors } from 'undici';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '@shop/platform';
import { BackendSet, readWhole, type Backend, type BackendPolicy } from '@shop/mesh';

export interface BalancerOptions {
  backends: string[];
  policy: BackendPolicy;
  healthIntervalMs: number;
  healthTimeoutMs: number;
  /** What active checks ask (default /ready: a draining gateway is alive but not ready, and must leave rotation). */
  healthPath?: string;
  upstreamTimeoutMs: number;
  bodyLimitBytes: number;
  /**
   * Admission control at the edge: past this many requests in flight through
   * the balancer, new ones are shed at once with 503 + Retry-After. Without
   * it, overload queues here (the pools to the gateways hold 256 connections
   * each) where no gateway's own limit can see it, and every admitted
   * request waits seconds. Default: what the connections to the gateways
   * carry (256 each), so admitted requests queue nowhere but at a gateway.
   */
  maxInFlight?: number;
  logger: Logger;
  now?: () => number;
}

export interface Balancer {
  server: Server;
  backends: BackendSet;
  /** Runs one round of active health checks now (also run on the interval). */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}

/** Answers up to this size (with a content-length) are read whole and sent in one write. */
const WHOLE_BODY_LIMIT = 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const CONNECTIONS_PER_GATEWAY = 256;
const tracer = trace.getTracer('shop-lb');

/**
 * The regional load balancer: an L7 proxy kept deliberately thin (node:http
 * and undici, no framework) because every request of the region crosses it.
 * Requests go to the gateway with the fewest outstanding requests of two
 * random picks; a connection that fails before any byte was sent is retried on
 * another gateway and ejects the failed one at once; idempotent requests (or
 * ones with an Idempotency-Key) are also retried when the connection dies
 * mid-flight, so a SIGKILLed gateway costs clients nothing. A gateway that is
 * shutting down refuses what still reaches it on open connections with a 503
 * and `Connection: close` (the platform's drain): it is ejected, and the same
 * safe requests are retried on another, so a SIGTERMed gateway costs nothing
 * either. Active checks ask /ready, which fails from the first moment of a drain.
 */
export function createBalancer(options: BalancerOptions): Balancer {
  const now = options.now ?? Date.now;
  const set = new BackendSet(options.backends, options.policy);
  const pools = new Map<Backend, Pool>(set.backends.map((b) => [b, new Pool(b.url, { connections: CONNECTIONS_PER_GATEWAY, keepAliveTimeout: 10_000, headersTimeout: options.upstreamTimeoutMs, bodyTimeout: 0 })]));

  const maxInFlight = options.maxInFlight ?? CONNECTIONS_PER_GATEWAY * options.backends.length;
  let inFlight = 0;
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The balancer's own probes; everything else belongs to the region behind it.
    if (req.url === '/health') return sendJson(res, 200, { status: 'ok', service: 'lb' });
    if (req.url === '/ready') return set.available(now()).length > 0 ? sendJson(res, 200, { status: 'ready' }) : sendProblem(res, 503, 'NOT_READY', 'No gateway instance is in rotation', 1);
    if (req.url === '/lb/status') return sendJson(res, 200, { backends: set.backends.map(({ url, healthy, ejectedUntil, outstanding, ejections }) => ({ url, healthy, ejected: ejectedUntil > now(), outstanding, ejections })) });
    if (inFlight >= maxInFlight) {
      req.resume();
      return sendProblem(res, 503, 'OVERLOADED', 'The shop is busy right now; please try again shortly', 1);
    }
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    let body: Buffer | undefined;
    try {
      body = await readBody(req, options.bodyLimitBytes);
    } catch {
      res.shouldKeepAlive = false;
      return sendProblem(res, 413, 'BODY_TOO_LARGE', 'The request body is too large');
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers['x-request-id'] ??= randomUUID();
    const peer = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${peer}` : peer;
    const method = req.method ?? 'GET';
    const span = tracer.startSpan(`lb ${method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': (req.url ?? '/').split('?')[0] ?? '/' } }, propagation.extract(ROOT_CONTEXT, req.headers));
    delete headers.traceparent;
    delete headers.tracestate;
    propagation.inject(trace.setSpan(context.active(), span), headers);
    res.once('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    res.once('close', () => {
      if (!res.writableFinished) span.end();
    });
    const retryMidFlight = IDEMPOTENT.has(method) || req.headers['idempotency-key'] !== undefined;
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });

    const tried = new Set<Backend>();
    for (;;) {
      const backend = set.pick(now(), tried);
      if (!backend) return sendProblem(res, 503, 'DEPENDENCY_UNAVAILABLE', 'No gateway instance is available', 1);
      tried.add(backend);
      backend.outstanding += 1;
      try {
        const upstream = await pools.get(backend)!.request({ path: req.url ?? '/', method: method, headers, body, signal: abort.signal });
        if (isDrainRefusal(upstream)) {
          set.eject(backend, now());
          options.logger.warn({ backend: backend.url }, 'gateway is shutting down; ejected');
          if (retryMidFlight && set.pick(now(), tried) !== undefined) {
            await upstream.body.dump();
            continue;
          }
        }
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        // A small answer of known length goes out whole, headers and body in
        // one write; a stream (events, a large body) is relayed as it comes.
        if (Number(upstream.headers['content-length']) <= WHOLE_BODY_LIMIT) {
          const whole = await readWhole(upstream.body);
          out['content-length'] = String(whole.length);
          res.writeHead(upstream.statusCode, out).end(whole);
        } else {
          res.writeHead(upstream.statusCode, out);
          for await (const chunk of upstream.body) res.write(chunk);
          res.end();
        }
        set.succeeded(backend, now());
        return;
      } catch (error) {
        if (abort.signal.aborted) return;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const code = (error as { code?: string }).code;
        const neverSent = code === 'ECONNREFUSED' || error instanceof undiciErrors.ConnectTimeoutError;
        // A gateway that answers too slowly may only be as slow as everything
        // else now: it goes out only while the others can take its share.
        let ejected = true;
        if (error instanceof undiciErrors.HeadersTimeoutError) ejected = set.ejectSoft(backend, now());
        else set.eject(backend, now());
        options.logger.warn({ backend: backend.url, code, err: (error as Error).message }, ejected ? 'gateway failed; ejected' : 'gateway failed; kept, the others are out');
        if (!(neverSent || retryMidFlight)) return sendProblem(res, 502, 'DEPENDENCY_UNAVAILABLE', 'The gateway failed while handling the request; it was not retried because it is not idempotent', 1);
      } finally {
        backend.outstanding -= 1;
      }
    }
  }

  async function checkHealth(): Promise<void> {
    await Promise.all(
      set.backends.map(async (backend) => {
        let ok: boolean;
        try {
          const response = await pools.get(backend)!.request({ path: options.healthPath ?? '/ready', method: 'GET', signal: AbortSignal.timeout(options.healthTimeoutMs) });
          await response.body.dump();
          ok = response.statusCode === 200;
        } catch {
          ok = false;
        }
        const was = backend.healthy;
        set.probeResult(backend, ok);
        if (was !== backend.healthy) options.logger.warn({ backend: backend.url, healthy: backend.healthy }, backend.healthy ? 'gateway back in rotation' : 'gateway out of rotation');
      }),
    );
  }
  const timer = setInterval(() => void checkHealth(), options.healthIntervalMs);
  timer.unref();

  return {
    server,
    backends: set,
    checkHealth,
    close: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.all([...pools.values()].map((p) => p.close()));
    },
  };
}

/**
 * A gateway's own "I am going away" answer: 503 with the connection closed.
 * Services' 503s pass through a gateway without their Connection header, so
 * an upstream's refusal (which another gateway would only repeat) is not taken
 * for one, except from a gateway already draining, where going elsewhere is right.
 */
function isDrainRefusal(upstream: { statusCode: number; headers: Record<string, string | string[] | undefined> }): boolean {
  return upstream.statusCode === 503 && /\bclose\b/i.test(String(upstream.headers.connection ?? ''));
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering but keep reading into the void, so the 413 can be delivered.
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 0 ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendProblem(res: ServerResponse, status: number, code: string, detail: string, retryAfter?: number): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { 'content-type': 'application/problem+json; charset=utf-8' };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  res.writeHead(status, headers);
  res.end(JSON.stringify({ type: `urn:shop:problem:${code.toLowerCase().replaceAll('_', '-')}`, title: detail, status, code, detail }));
}
