import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Pool, errors as undiciErrors } from 'undici';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from '@shop/platform';
import { BackendSet, readWhole, type Backend, type BackendPolicy } from '@shop/mesh';
import { clientAddress, PerAddressCap } from './clientLimits.ts';

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
  /**
   * What the public side allows a client, which may be hostile: the balancer
   * is the region's entry, so a socket that holds a request open without
   * finishing it must cost that client, not everyone. See CLIENT_DEFAULTS.
   */
  client?: Partial<ClientLimits>;
  logger: Logger;
  now?: () => number;
}

export interface ClientLimits {
  /** The request line and headers must arrive within this long (node:http's headersTimeout). */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this long (node:http's requestTimeout; a backstop for the two deadlines). */
  requestTimeoutMs: number;
  /**
   * The body must arrive whole within this long of the headers, or the
   * request is answered 408 and its connection closed. A deadline, not an
   * idle timeout: a body dribbled a byte every few seconds cannot extend it.
   */
  bodyTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open connections per client address; one more is closed at once. */
  maxConnections: number;
  /** Requests per client address from their headers to their answer (uploads included); one more is answered 429. */
  maxInFlight: number;
}

/**
 * A browser opens at most 6 connections per host; 64 leaves room for a few
 * dozen people behind one NAT. A JSON body of the platform is a few KiB: 10 s
 * is a generous deadline for one (and 100 KiB/s for the largest allowed).
 */
export const CLIENT_DEFAULTS: ClientLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 15_000,
  maxConnections: 64,
  maxInFlight: 32,
};

export interface Balancer {
  /** The public side: the region's traffic, and /health and /ready for probes. */
  server: Server;
  /**
   * The operators' side, for a loopback listener (the caller listens, if at
   * all): /health, /ready and /lb/status, which names every gateway and its
   * state and so is not the public's to read.
   */
  ops: Server;
  backends: BackendSet;
  /** Runs one round of active health checks now (also run on the interval). */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}

/** Answers up to this size (with a content-length) are read whole and sent in one write. */
const WHOLE_BODY_LIMIT = 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const CONNECTIONS_PER_GATEWAY = 256;
/** On every answer the balancer writes itself: not to be sniffed into something else, nor cached. */
const OWN_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
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
  const pools = new Map<Backend, Pool>(
    set.backends.map((b) => [
      b,
      new Pool(b.url, {
        connections: CONNECTIONS_PER_GATEWAY,
        keepAliveTimeout: 10_000,
        headersTimeout: options.upstreamTimeoutMs,
        bodyTimeout: 0,
      }),
    ]),
  );

  const maxInFlight = options.maxInFlight ?? CONNECTIONS_PER_GATEWAY * options.backends.length;
  const limits = { ...CLIENT_DEFAULTS, ...options.client };
  const connectionsPerClient = new PerAddressCap(limits.maxConnections);
  const requestsPerClient = new PerAddressCap(limits.maxInFlight);
  /** The answer in progress on each public socket, so a client error knows whether it may still write one. */
  const answering = new WeakMap<Duplex, ServerResponse>();
  const openSockets = new Set<Socket>();
  let inFlight = 0;
  const server = createServer(serverOptions(limits), (req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.on('connection', admitConnection);
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) =>
    answerClientError(error, socket, answering.get(socket)),
  );
  const ops = createServer(serverOptions(limits), (req, res) => {
    if (!answerOwn(req, res, true)) sendProblem(res, 404, 'NOT_FOUND', 'Not found');
  });

  /**
   * Over its address's cap a connection is closed at once, unanswered: no
   * browser holds that many, and each one held is a socket, a parser and
   * perhaps a buffered body taken from everyone else.
   */
  function admitConnection(socket: Socket): void {
    const release = connectionsPerClient.acquire(clientAddress(socket.remoteAddress));
    if (!release) {
      socket.destroy();
      return;
    }
    openSockets.add(socket);
    socket.once('close', () => {
      release();
      openSockets.delete(socket);
    });
  }

  /**
   * At close, the connections with no answer under way go: node:http closes
   * the idle keep-alive ones but waits for one that never finished a request
   * (silent, or a head still dribbling in) and stops checking its deadlines.
   */
  function dropUnanswered(): void {
    for (const socket of openSockets) {
      const res = answering.get(socket);
      if (res === undefined || res.writableFinished) socket.destroy();
    }
  }

  /** The balancer's own endpoints: the probes' everywhere, its status on the ops side only (404 on the public one). */
  function answerOwn(req: IncomingMessage, res: ServerResponse, isOps: boolean): boolean {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') sendJson(res, 200, { status: 'ok', service: 'lb' });
    else if (path === '/ready') {
      if (set.available(now()).length > 0) sendJson(res, 200, { status: 'ready' });
      else sendProblem(res, 503, 'NOT_READY', 'No gateway instance is in rotation', 1);
    } else if (path === '/lb/status') {
      if (isOps)
        sendJson(res, 200, {
          backends: set.backends.map(({ url, healthy, ejectedUntil, outstanding, ejections }) => ({
            url,
            healthy,
            ejected: ejectedUntil > now(),
            outstanding,
            ejections,
          })),
        });
      else sendProblem(res, 404, 'NOT_FOUND', 'Not found');
    } else return false;
    return true;
  }

  /**
   * A request spends its client's budget from its headers to its answer, and
   * everyone's (maxInFlight) only once its body is here: an upload still
   * arriving holds no gateway connection, so slow ones crowd out no one else.
   */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    answering.set(req.socket, res);
    if (answerOwn(req, res, false)) return;
    const releaseClient = requestsPerClient.acquire(clientAddress(req.socket.remoteAddress));
    if (!releaseClient) {
      res.shouldKeepAlive = false;
      return sendProblem(res, 429, 'RATE_LIMITED', 'Too many requests at once from this address', 1);
    }
    res.once('close', releaseClient);
    const body = await receiveBody(req, res);
    if (body === false) return;
    if (inFlight >= maxInFlight)
      return sendProblem(res, 503, 'OVERLOADED', 'The shop is busy right now; please try again shortly', 1);
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
    await forward(req, res, body);
  }

  /** The whole body, or false once the request was answered (413, 408) or its client left. */
  async function receiveBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined | false> {
    try {
      return await readBody(req, options.bodyLimitBytes, limits.bodyTimeoutMs);
    } catch (error) {
      const reason = error instanceof BodyRefused ? error.reason : 'gone';
      if (reason === 'gone') return false;
      // The rest of the body is not wanted: the connection goes once the answer is out.
      res.shouldKeepAlive = false;
      if (reason === 'too-large') sendProblem(res, 413, 'BODY_TOO_LARGE', 'The request body is too large');
      else
        sendProblem(
          res,
          408,
          'REQUEST_TIMEOUT',
          `The request body did not arrive within ${limits.bodyTimeoutMs / 1000} s`,
        );
      return false;
    }
  }

  /** Sends the request to a gateway and relays its answer, retrying on another where that is safe. */
  async function forward(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    headers['x-request-id'] ??= randomUUID();
    const peer = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = req.headers['x-forwarded-for']
      ? `${String(req.headers['x-forwarded-for'])}, ${peer}`
      : peer;
    const method = req.method ?? 'GET';
    const span = tracer.startSpan(
      `lb ${method}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': (req.url ?? '/').split('?')[0] ?? '/' },
      },
      propagation.extract(ROOT_CONTEXT, req.headers),
    );
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
        const upstream = await pools
          .get(backend)!
          .request({ path: req.url ?? '/', method: method, headers, body, signal: abort.signal });
        if (isDrainRefusal(upstream)) {
          set.eject(backend, now());
          options.logger.warn({ backend: backend.url }, 'gateway is shutting down; ejected');
          if (retryMidFlight && set.pick(now(), tried) !== undefined) {
            await upstream.body.dump();
            continue;
          }
        }
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(upstream.headers))
          if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
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
        options.logger.warn(
          { backend: backend.url, code, err: (error as Error).message },
          ejected ? 'gateway failed; ejected' : 'gateway failed; kept, the others are out',
        );
        if (!(neverSent || retryMidFlight))
          return sendProblem(
            res,
            502,
            'DEPENDENCY_UNAVAILABLE',
            'The gateway failed while handling the request; it was not retried because it is not idempotent',
            1,
          );
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
          const response = await pools.get(backend)!.request({
            path: options.healthPath ?? '/ready',
            method: 'GET',
            signal: AbortSignal.timeout(options.healthTimeoutMs),
          });
          await response.body.dump();
          ok = response.statusCode === 200;
        } catch {
          ok = false;
        }
        const was = backend.healthy;
        set.probeResult(backend, ok);
        if (was !== backend.healthy)
          options.logger.warn(
            { backend: backend.url, healthy: backend.healthy },
            backend.healthy ? 'gateway back in rotation' : 'gateway out of rotation',
          );
      }),
    );
  }
  const timer = setInterval(() => void checkHealth(), options.healthIntervalMs);
  timer.unref();

  return {
    server,
    ops,
    backends: set,
    checkHealth,
    close: async () => {
      clearInterval(timer);
      const closed = Promise.all([server, ops].filter((s) => s.listening).map(closeServer));
      dropUnanswered();
      // The ops side answers at once and only to operators: nothing there is worth waiting for.
      ops.closeAllConnections();
      await closed;
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
function isDrainRefusal(upstream: {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}): boolean {
  return upstream.statusCode === 503 && /\bclose\b/i.test(String(upstream.headers.connection ?? ''));
}

/** Why a body was not read: over the limit, not here by the deadline, or its client went away. */
class BodyRefused extends Error {
  readonly reason: 'too-large' | 'too-slow' | 'gone';
  constructor(reason: 'too-large' | 'too-slow' | 'gone') {
    super(`request body refused: ${reason}`);
    this.reason = reason;
  }
}

/** Reads the body whole, up to `limit` bytes, by `deadlineMs` from now; rejects with a BodyRefused. */
function readBody(req: IncomingMessage, limit: number, deadlineMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = (reason: BodyRefused['reason']): void => {
      clearTimeout(deadline);
      // Stop buffering but keep reading into the void, so the answer can be delivered.
      req.removeListener('data', onData);
      req.resume();
      reject(new BodyRefused(reason));
    };
    const deadline = setTimeout(() => refuse('too-slow'), deadlineMs);
    deadline.unref();
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) refuse('too-large');
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(deadline);
      resolve(chunks.length === 0 ? undefined : Buffer.concat(chunks));
    });
    req.once('error', () => refuse('gone'));
    req.once('close', () => {
      if (!req.complete) refuse('gone');
    });
  });
}

/** Both sides' node:http settings: the header and whole-request deadlines, checked often enough to be kept. */
function serverOptions(limits: ClientLimits): ServerOptions {
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
function answerClientError(
  error: Error & { code?: string },
  socket: Duplex,
  answering: ServerResponse | undefined,
): void {
  const midAnswer = answering !== undefined && answering.headersSent && !answering.writableFinished;
  if (!socket.writable || midAnswer || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, code, detail] = clientErrorAnswer(error.code);
  const document = problemDocument(status, code, detail);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'content-type: application/problem+json; charset=utf-8',
    `content-length: ${Buffer.byteLength(document)}`,
    'connection: close',
    ...Object.entries(OWN_HEADERS).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${document}`, () => socket.destroy());
}

function clientErrorAnswer(code: string | undefined): [number, string, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time'];
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'HEADERS_TOO_LARGE', 'The request headers are too large'];
  return [400, 'VALIDATION_FAILED', 'The request is not valid HTTP'];
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...OWN_HEADERS,
  });
  res.end(text);
}

function sendProblem(res: ServerResponse, status: number, code: string, detail: string, retryAfter?: number): void {
  if (res.headersSent) return;
  const document = problemDocument(status, code, detail);
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(document)),
    ...OWN_HEADERS,
  };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  res.writeHead(status, headers);
  res.end(document);
}

function problemDocument(status: number, code: string, detail: string): string {
  return JSON.stringify({
    type: `urn:shop:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: detail,
    status,
    code,
    detail,
  });
}
