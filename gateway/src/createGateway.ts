import {
  AppError,
  createServiceApp,
  type Lifecycle,
  type Logger,
  type PeerClient,
  type ServiceApp,
  type ServiceMetrics,
} from '@shop/platform';
import type { TokenVerifier } from '@shop/auth';
import { criticalityOf } from '@shop/proxy';
import type { GatewayConfig } from './config.ts';
import type { RateLimitStore } from './rateLimit.ts';
import { STREAM_PATH, type GatewayPeers } from './routes.ts';
import { createStreamSlots } from './streams.ts';
import { registerSecurityHeaders } from './securityHeaders.ts';
import { createAccess } from './access.ts';
import { parseTrustedProxies } from './clientAddress.ts';
import { registerDocs } from './docs.ts';
import { registerCors } from './cors.ts';
import { registerForwarding } from './forward.ts';

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

/** The gateway's own ops routes: for scrapers and probes that reach it directly, never through the public entry. */
const OPS_ROUTES = new Set(['/metrics']);

/**
 * The single entry of a region: verifies access tokens (RFC 8725, via the
 * user service's JWKS), rate-limits per user and per client address (see
 * access.ts; the address is read through trusted load balancers), refuses
 * internal routes, serves the services' API documents at /docs, and forwards
 * everything else to the owning service with the correlation id and trace
 * context (forward.ts, relaying through @shop/proxy). Bodies pass through unparsed.
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
    // The gateway's word on criticality is final: from the route, never from the client.
    criticalityOf,
    acceptDeadlineHeader: false,
    // Streams are capped on their own (STREAMS_PER_USER, MAX_STREAMS); held
    // for minutes, they would otherwise fill the admission limit meant for calls.
    unadmitted: (url) => url.startsWith(STREAM_PATH),
    // Clients may spell a path any way; forward() decides on its canonical form.
    canonicalPathsOnly: false,
  });
  const access = createAccess({
    verifier: deps.verifier,
    rateLimits: deps.rateLimits,
    trustedProxies: parseTrustedProxies(config.TRUSTED_PROXIES),
    userPerSec: config.RATE_LIMIT_USER_PER_SEC,
    anonymousPerSec: config.RATE_LIMIT_ANON_PER_SEC,
    invalidTokenPerSec: config.RATE_LIMIT_INVALID_TOKEN_PER_SEC,
    now,
  });
  const origins = config.CORS_ORIGINS.split(',').map((o) => o.trim());
  registerDocs(app, { peers: deps.peers, admit: (request, reply) => access.admit(request, reply), now });
  registerSecurityHeaders(app, { corsOrigins: origins });
  hideOpsRoutes(app);
  registerCors(app, origins);
  registerForwarding(app, {
    access,
    streams: createStreamSlots({ perUser: config.STREAMS_PER_USER, total: config.MAX_STREAMS }),
    peers: deps.peers,
    streamPeer: deps.streams ?? deps.peers.notification,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
  });
  return app;
}

/**
 * The balancer appends every client to X-Forwarded-For: a request that has
 * one came through the public entry, where ops routes do not exist.
 */
function hideOpsRoutes(app: ServiceApp): void {
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.headers['x-forwarded-for'] !== undefined && OPS_ROUTES.has(request.routeOptions.url ?? '')) {
      done(new AppError('NOT_FOUND', { detail: `No route for ${request.method} ${request.routeOptions.url ?? ''}` }));
      return;
    }
    done();
  });
}
