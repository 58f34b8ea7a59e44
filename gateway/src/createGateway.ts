import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  canonicalPath,
  CLIENT_ADDRESS_HEADER,
  createServiceApp,
  readWhole,
  type Lifecycle,
  type Logger,
  type PeerClient,
  type ServiceApp,
  type ServiceMetrics,
} from '@shop/platform';
import type { TokenVerifier } from '@shop/auth';
import type { GatewayConfig } from './config.ts';
import type { RateLimitStore } from './rateLimit.ts';
import { isInternal, serviceFor, SERVICE_PREFIXES, STREAM_PATH, type GatewayPeers } from './routes.ts';
import { createStreamSlots } from './streams.ts';
import { registerSecurityHeaders } from './securityHeaders.ts';
import { createAccess } from './access.ts';
import { parseTrustedProxies } from './clientAddress.ts';
import { registerDocs } from './docs.ts';

export interface GatewayDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  verifier: TokenVerifier;
  peers: GatewayPeers<PeerClient>;
  /**
   * The notification service again, on connections of its own, for event
   * streams: each holds its connection for as long as the client likes, and
   * must not take those the other calls need (default: `peers.notification`).
   */
  streams?: PeerClient;
  rateLimits: RateLimitStore;
  lifecycle?: Lifecycle;
  now?: () => number;
}

/** Answers up to this size (with a content-length) are read whole and sent in one write. */
const WHOLE_BODY_LIMIT = 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);
/** The gateway's own ops routes: for scrapers and probes that reach it directly, never through the public entry. */
const OPS_ROUTES = new Set(['/metrics']);

/**
 * The single entry of a region: verifies access tokens (RFC 8725, via the
 * user service's JWKS), rate-limits per user and per client address (see
 * access.ts; the address is read through trusted load balancers), refuses
 * internal routes, serves the services' API documents at /docs, and forwards
 * everything else to the owning service with the correlation id and trace
 * context. Bodies pass through unparsed.
 */
export function createGateway(config: GatewayConfig, deps: GatewayDeps): ServiceApp {
  const now = deps.now ?? Date.now;
  const app = createServiceApp({
    service: 'gateway',
    instance: config.INSTANCE_ID,
    region: config.REGION,
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: [],
    lifecycle: deps.lifecycle,
    bodyLimit: config.BODY_LIMIT_BYTES,
    maxConcurrentRequests: config.MAX_CONCURRENT_REQUESTS,
    acceptDeadlineHeader: false,
    // Streams are capped on their own (STREAMS_PER_USER, MAX_STREAMS); held
    // for minutes, they would otherwise fill the admission limit meant for calls.
    unadmitted: (url) => url.startsWith(STREAM_PATH),
    // Clients may spell a path any way; forward() decides on its canonical form.
    canonicalPathsOnly: false,
  });
  const streams = createStreamSlots({ perUser: config.STREAMS_PER_USER, total: config.MAX_STREAMS });
  const origins = config.CORS_ORIGINS.split(',').map((o) => o.trim());
  const access = createAccess({
    verifier: deps.verifier,
    rateLimits: deps.rateLimits,
    trustedProxies: parseTrustedProxies(config.TRUSTED_PROXIES),
    userPerSec: config.RATE_LIMIT_USER_PER_SEC,
    anonymousPerSec: config.RATE_LIMIT_ANON_PER_SEC,
    invalidTokenPerSec: config.RATE_LIMIT_INVALID_TOKEN_PER_SEC,
    now,
  });
  registerDocs(app, { peers: deps.peers, admit: (request, reply) => access.admit(request, reply), now });
  registerSecurityHeaders(app, { corsOrigins: origins });

  // The balancer appends every client to X-Forwarded-For: a request that has
  // one came through the public entry, where ops routes do not exist.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.headers['x-forwarded-for'] !== undefined && OPS_ROUTES.has(request.routeOptions.url ?? '')) {
      done(new AppError('NOT_FOUND', { detail: `No route for ${request.method} ${request.routeOptions.url ?? ''}` }));
      return;
    }
    done();
  });

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin && (origins.includes('*') || origins.includes(origin))) {
      void reply.header('access-control-allow-origin', origins.includes('*') ? '*' : origin);
      void reply.header(
        'access-control-expose-headers',
        'x-request-id, x-trace-id, x-consistency-token, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset, idempotent-replayed',
      );
      if (request.method === 'OPTIONS') {
        void reply.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
        void reply.header(
          'access-control-allow-headers',
          'authorization, content-type, idempotency-key, x-request-id, x-consistency-token',
        );
        void reply.header('access-control-max-age', '600');
        return reply.status(204).send();
      }
    }
    return undefined;
  });

  app.register((scope, _options, done) => {
    // Forward bodies as bytes: no JSON parse and re-serialise on the hot path.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => next(null, body));
    for (const prefix of Object.keys(SERVICE_PREFIXES)) {
      scope.all(prefix, (request, reply) => forward(request, reply));
      scope.all(`${prefix}/*`, (request, reply) => forward(request, reply));
    }
    done();
  });

  async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    // Decided on and forwarded as one spelling: the route checked is the route reached.
    const raw = request.raw.url ?? '/';
    const queryAt = raw.indexOf('?');
    const canonical = canonicalPath(queryAt === -1 ? raw : raw.slice(0, queryAt));
    if (!canonical.ok)
      throw new AppError('VALIDATION_FAILED', { detail: `The request path is refused: ${canonical.reason}` });
    const path = canonical.path;
    const service = serviceFor(path);
    if (!service || isInternal(path))
      throw new AppError('NOT_FOUND', { detail: `No public route for ${request.method} ${path}` });

    const principal = await access.admit(request, reply);
    const stream = path === STREAM_PATH && request.method === 'GET';
    // Anonymous stream requests pass on to the service, which refuses them (401).
    const release = stream && principal ? streams.take(principal.userId) : undefined;
    const abort = new AbortController();
    reply.raw.once('close', () => {
      release?.();
      if (!reply.raw.writableFinished) abort.abort();
    });
    const peer = stream ? (deps.streams ?? deps.peers.notification) : deps.peers[service];
    if (!peer)
      throw new AppError('DEPENDENCY_UNAVAILABLE', { detail: `The ${service} service is not deployed in this region` });
    const upstream = await peer.requestRaw({
      method: request.method,
      path: queryAt === -1 ? path : `${path}${raw.slice(queryAt)}`,
      headers: forwardHeaders(request, access.addressOf(request)),
      body: request.body as Buffer | undefined,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      bodyTimeoutMs: stream ? 0 : config.UPSTREAM_TIMEOUT_MS,
      signal: abort.signal,
    });
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) void reply.header(name, value);
    }
    // A small answer of known length goes out whole: headers and body in one
    // write, where piping the stream costs a write (a syscall) per piece.
    // Anything else (a stream of events, a large body) is piped as it comes.
    const length = Number(upstream.headers['content-length']);
    if (length <= WHOLE_BODY_LIMIT) {
      // Any stream: the mesh hands over a kept answer as a plain Readable, not undici's body.
      const body = await readWhole(upstream.body).catch((error: unknown) => {
        throw new AppError('DEPENDENCY_UNAVAILABLE', {
          detail: `The ${service} service's answer broke off`,
          cause: error,
        });
      });
      return reply.status(upstream.status).send(body);
    }
    return reply.status(upstream.status).send(upstream.body);
  }

  return app;
}

function forwardHeaders(request: FastifyRequest, clientAddress: string): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!HOP_BY_HOP.has(name) && name !== 'x-caller') headers[name] = value;
  }
  // Vouched for by the gateway's mesh identity, the only one services believe it from.
  headers[CLIENT_ADDRESS_HEADER] = clientAddress;
  const forwardedFor = request.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${request.ip}` : request.ip;
  headers['x-request-id'] = request.id;
  // traceparent is not copied: the mesh client injects its own span's context.
  delete headers.traceparent;
  delete headers.tracestate;
  return headers;
}
