import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { DEADLINE_HEADER, identityOf, withDeadline } from '@shop/mesh';
import { Counter, Gauge } from 'prom-client';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { openApiDocument } from './openapi.ts';
import { registerFaults } from './faults.ts';
import { AppError, isAppError, toProblem, type ErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';
import { newTraceContext, parseTraceparent, type TraceContext } from './traceContext.ts';
import { createValidatorCompiler, fieldErrors } from './validation.ts';
import { meshError } from './peers.ts';
import { isCanonicalPath } from './paths.ts';
import { LazyLogger } from './lazyLogger.ts';

export type ServiceApp = FastifyInstance<Server, IncomingMessage, ServerResponse, Logger, TypeBoxTypeProvider>;

/** A readiness dependency: resolves when reachable, rejects (quickly) when not. */
export interface ReadinessCheck {
  name: string;
  check(signal: AbortSignal): Promise<void>;
}

export interface Lifecycle {
  /** Set when SIGTERM arrives: readiness fails so balancers stop sending work. */
  draining: boolean;
}

export interface ServiceAppOptions {
  service: string;
  instance: string;
  region: string;
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: ReadinessCheck[];
  lifecycle?: Lifecycle;
  bodyLimit?: number;
  readinessTimeoutMs?: number;
  /** Translate adapter errors (pool exhausted, database down) into catalogued ones. */
  errorMappers?: Array<(error: unknown) => AppError | undefined>;
  /**
   * Serve mutual TLS: only clients with a certificate from `ca` get past the
   * handshake, and routes may name which caller identities they accept
   * (`config: { callers: ['order'] }`). Without it the app speaks plain HTTP
   * and caller rules are not enforced (local tests through inject()).
   */
  tls?: { key: string; cert: string; ca: string };
  /**
   * Admission control: past this many requests in flight, new work is shed at
   * once with 503 + Retry-After instead of queueing until everything times out.
   * Health, readiness and metrics are always admitted.
   */
  maxConcurrentRequests?: number;
  /**
   * Requests that do not count against maxConcurrentRequests (by raw URL):
   * long-lived ones the app caps on its own, such as event streams.
   */
  unadmitted?: (url: string) => boolean;
  /**
   * Refuse paths not in canonical form (default): behind the gateway nothing
   * legitimate sends one. The gateway itself sets false, and canonicalises.
   */
  canonicalPathsOnly?: boolean;
  /**
   * Honour the mesh's deadline header (default). An edge facing the public sets
   * false: from outside the header is a client's say-so, and a client must not be
   * able to make the edge answer 504.
   */
  acceptDeadlineHeader?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Mesh identities allowed to call this route (enforced under mTLS). */
    callers?: string[];
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    trace: TraceContext;
    /** The calling service's mesh identity, from its client certificate (mTLS only). */
    caller: string | undefined;
    /**
     * The end client's address: what the gateway vouches for in
     * x-client-address when the caller is the gateway's mesh identity (only a
     * mesh identity may set it), else the socket's peer. Per-client limits use it.
     */
    clientAddress: string;
    /** Epoch ms by which the caller needs an answer (from x-request-timeout-ms), if it said. */
    deadline: number | undefined;
    /** This request's server span and the context handlers run in (so calls they make are its children). */
    span: Span | undefined;
    otelContext: Context | undefined;
  }
}

const tracer = trace.getTracer('shop-platform');

const MAX_DEADLINE_MS = 120_000;

const UNDOCUMENTED = new Set(['/health', '/ready', '/metrics', '/openapi.json']);

/** The mesh identity allowed to inject faults: the launcher, which runs chaos. */
const CHAOS_CALLER = 'launcher';

/** An AbortSignal that fires when the caller's deadline passes or it disconnects: stop working for it. */
export function requestSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
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

/** Where the gateway puts the end client's address for the services behind it. */
export const CLIENT_ADDRESS_HEADER = 'x-client-address';
/** Mesh identities whose x-client-address is believed: the edge of the mesh. */
const ADDRESS_VOUCHERS = new Set(['gateway']);

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Whether a too-large body (declared by Content-Length) is small enough to read
 * and discard after answering 413. Closing at once makes the kernel reset the
 * connection under a client still sending, and the reset destroys the 413 the
 * client has not read yet (a browser shows "connection reset", not our
 * problem document). Past a few times the limit, closing is cheaper.
 */
function lingerOver(contentLength: string | undefined, bodyLimit: number): boolean {
  if (contentLength === undefined || !/^\d{1,12}$/.test(contentLength)) return false;
  return Number(contentLength) <= Math.min(4 * bodyLimit, 16 * 1_048_576);
}

/**
 * The Fastify instance every service builds on: problem+json errors from one
 * catalogue, schema validation naming the field, body limits, correlation and
 * trace ids on every log line, health, readiness and Prometheus metrics.
 * It never listens; `serve()` does.
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const lifecycle = options.lifecycle ?? { draining: false };
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 1000;
  const tls = options.tls;
  const bodyLimit = options.bodyLimit ?? 1_048_576;
  const app = Fastify({
    ...(tls
      ? {
          serverFactory: (handler: RequestListener) =>
            createTlsServer(
              {
                key: tls.key,
                cert: tls.cert,
                ca: tls.ca,
                requestCert: true,
                rejectUnauthorized: true,
                minVersion: 'TLSv1.3',
              },
              handler,
            ) as unknown as Server,
        }
      : {}),
    loggerInstance: options.logger,
    childLoggerFactory: (logger, bindings, childOptions) =>
      new LazyLogger(logger as Logger, bindings, childOptions) as unknown as Logger,
    // Our onResponse hook writes one line per request with route, status and time.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'correlationId' }),
    bodyLimit,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: (error, request, reply) => {
      sendProblem(request, reply, new AppError('VALIDATION_FAILED', { detail: error.message }));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  app.decorateRequest('trace', undefined as unknown as TraceContext);
  app.decorateRequest('caller', undefined);
  app.decorateRequest('clientAddress', '');
  app.decorateRequest('deadline', undefined);
  app.decorateRequest('span', undefined);
  app.decorateRequest('otelContext', undefined);

  // Handlers run inside their request's trace context. (Wrapping the handler,
  // rather than entering the context in a hook, survives async body parsing.)
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function traced(this: unknown, request, reply) {
      return request.otelContext
        ? context.with(request.otelContext, () => handler.call(this as never, request, reply))
        : handler.call(this as never, request, reply);
    };
  });
  const identities = new WeakMap<object, string | undefined>();
  const limit = options.maxConcurrentRequests ?? Number.POSITIVE_INFINITY;
  let inFlight = 0;
  const shed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests refused by admission control',
    registers: [options.metrics.registry],
  });
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests being handled',
    registers: [options.metrics.registry],
    collect() {
      this.set(inFlight);
    },
  });

  // First hook: shed before spending anything on a request we cannot serve in time.
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url;
    if (path === '/health' || path === '/ready' || path === '/metrics') {
      done();
      return;
    }
    // A path that would resolve to another route than the one it names (a dot
    // segment, an escaped letter) reaches no handler: see paths.ts.
    if (options.canonicalPathsOnly !== false && !isCanonicalPath(pathOf(path))) {
      sendProblem(
        request,
        reply,
        new AppError('VALIDATION_FAILED', {
          detail: 'The request path is not in canonical form (dot segments, empty segments or escaped letters)',
        }),
      );
      return;
    }
    if (options.unadmitted?.(path)) {
      done();
      return;
    }
    if (inFlight >= limit) {
      shed.inc();
      sendProblem(
        request,
        reply,
        new AppError('OVERLOADED', { retryAfter: 1, detail: `Over ${limit} requests in flight` }),
      );
      return;
    }
    inFlight += 1;
    reply.raw.once('close', () => {
      inFlight -= 1;
    });
    done();
  });

  app.addHook('onRequest', (request, reply, done) => {
    if (tls) {
      const socket = request.raw.socket as TLSSocket;
      if (!identities.has(socket)) identities.set(socket, identityOf(socket.getPeerCertificate?.(false)?.raw));
      request.caller = identities.get(socket);
      const vouched = request.headers[CLIENT_ADDRESS_HEADER];
      request.clientAddress =
        request.caller !== undefined &&
        ADDRESS_VOUCHERS.has(request.caller) &&
        typeof vouched === 'string' &&
        isIP(vouched) !== 0
          ? vouched
          : request.ip;
      const allowed = request.routeOptions.config.callers;
      if (allowed && !(request.caller && allowed.includes(request.caller))) {
        sendProblem(
          request,
          reply,
          new AppError('FORBIDDEN', { detail: `Caller ${request.caller ?? '(unknown)'} may not call this route` }),
        );
        return;
      }
    } else {
      // Without mTLS the mesh trusts its network (no route checks its callers either): whoever sends
      // x-client-address is a mesh peer, and the gateway overwrites the one a client sent. Believing
      // nobody would make the gateway every shopper, and one shopper's limits everyone's.
      const vouched = request.headers[CLIENT_ADDRESS_HEADER];
      request.clientAddress = typeof vouched === 'string' && isIP(vouched) !== 0 ? vouched : request.ip;
    }
    const budget = options.acceptDeadlineHeader === false ? undefined : request.headers[DEADLINE_HEADER];
    if (typeof budget === 'string' && /^\d+$/.test(budget)) {
      const ms = Number(budget);
      if (ms <= 0) {
        sendProblem(request, reply, new AppError('DEADLINE_EXCEEDED', { detail: 'The caller had no time left' }));
        return;
      }
      request.deadline = Date.now() + Math.min(ms, MAX_DEADLINE_MS);
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'service.name': options.service,
          'service.instance.id': options.instance,
          ...(request.caller ? { 'mesh.caller': request.caller } : {}),
        },
      },
      parent,
    );
    request.span = span;
    request.otelContext = withDeadline(trace.setSpan(parent, span), request.deadline);
    const spanContext = span.spanContext();
    if (trace.isSpanContextValid(spanContext)) {
      request.trace = {
        traceId: spanContext.traceId,
        parentSpanId: trace.getSpanContext(parent)?.spanId,
        sampled: true,
      };
    } else {
      const traceparent = request.headers.traceparent;
      request.trace = parseTraceparent(typeof traceparent === 'string' ? traceparent : undefined) ?? newTraceContext();
    }
    request.log = request.log.child({ traceId: request.trace.traceId });
    void reply.header('x-request-id', request.id);
    void reply.header('x-trace-id', request.trace.traceId);
    done();
  });

  // While draining, every response closes its connection, so keep-alive clients
  // reconnect elsewhere and the server is not held open by idle sockets.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (lifecycle.draining) void reply.header('connection', 'close');
    else if (reply.statusCode === 413 && lingerOver(request.headers['content-length'], bodyLimit))
      reply.removeHeader('connection');
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    options.metrics.httpRequests.inc(labels);
    options.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    const span = request.span;
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    const probe = route === '/health' || route === '/ready' || route === '/metrics';
    const level = probe ? 'debug' : reply.statusCode >= 500 ? 'error' : 'info';
    request.log[level](
      {
        method: request.method,
        route,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
    done();
  });

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

  // The service's own OpenAPI document, from the schemas that validate its routes
  // (the gateway serves them together at /docs).
  const documented: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (!UNDOCUMENTED.has(route.url) && !route.url.startsWith('/_')) documented.push(route);
  });
  app.get('/openapi.json', () => openApiDocument({ title: `${options.service} service`, version: '1' }, documented));

  // Chaos faults need a caller we can name: only under mTLS, only the launcher.
  if (tls) registerFaults(app, { callers: [CHAOS_CALLER] });

  app.get('/health', () => ({ status: 'ok', service: options.service, instance: options.instance }));

  app.get('/ready', async (_request, reply) => {
    if (lifecycle.draining) {
      throw new AppError('SHUTTING_DOWN', { retryAfter: 1 });
    }
    const results = await Promise.all(
      options.readiness.map(async (dependency) => {
        const signal = AbortSignal.timeout(readinessTimeoutMs);
        try {
          await raceAbort(dependency.check(signal), signal);
          return { name: dependency.name, ok: true as const };
        } catch (error) {
          return {
            name: dependency.name,
            ok: false as const,
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    const failing = results.filter((r) => !r.ok);
    if (failing.length > 0) {
      throw new AppError('NOT_READY', {
        retryAfter: 1,
        detail: `Unreachable: ${failing.map((f) => f.name).join(', ')}`,
        extensions: { checks: results },
      });
    }
    return reply.send({ status: 'ready', checks: results });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });

  return app;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('timed out'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

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

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): void {
  if (error.retryAfter !== undefined)
    void reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfter))));
  void reply
    .status(error.status)
    .type('application/problem+json')
    .send({ ...toProblem(error, request.url.split('?')[0]), requestId: request.id });
}
