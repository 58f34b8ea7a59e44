// The request path in front of the services: the API gateway's and the load balancer's own variables.
import { env, type Spec } from '../config.ts';
import { httpSpec, meshSpec, peersSpec, processSpec, redisSpec, telemetrySpec } from './pieces.ts';

export const gatewaySpec = {
  ...processSpec({ idExample: 'gateway-1' }),
  ...telemetrySpec,
  ...meshSpec,
  ...redisSpec,
  ...httpSpec({ maxConcurrentRequests: 512 }),
  ...peersSpec({ required: ['user', 'product', 'order', 'payment', 'notification'], optional: ['analytics'] }),
  RATE_LIMIT_USER_PER_SEC: env.int({
    default: 1000,
    min: 1,
    max: 1_000_000,
    doc: 'requests per second per signed-in user; past it, 429 + Retry-After',
  }),
  RATE_LIMIT_ANON_PER_SEC: env.int({
    default: 200,
    min: 1,
    max: 1_000_000,
    doc: 'requests per second per anonymous client address',
  }),
  RATE_LIMIT_INVALID_TOKEN_PER_SEC: env.int({
    default: 20,
    min: 1,
    max: 1_000_000,
    doc: "refused tokens per address: past it, that address's tokens are refused before they cost a verification",
  }),
  TRUSTED_PROXIES: env.string({
    default: 'loopback',
    pattern: /^[\w.:/, ]+$/,
    description: 'comma-separated addresses or CIDRs of the load balancers, "loopback" or "none"',
    doc: 'hops whose X-Forwarded-For is believed (the load balancers)',
  }),
  UPSTREAM_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000, doc: 'default deadline of a proxied call' }),
  CORS_ORIGINS: env.string({
    default: '*',
    description: 'comma-separated allowed origins, or *',
    doc: 'origins browsers may call from',
  }),
  STREAMS_PER_USER: env.int({
    default: 5,
    min: 1,
    max: 1000,
    doc: 'live event streams one user may hold through one gateway instance',
  }),
  MAX_STREAMS: env.int({
    default: 1000,
    min: 1,
    max: 100_000,
    doc: 'live event streams one gateway holds in all, on their own connections (outside MAX_CONCURRENT_REQUESTS)',
  }),
} satisfies Spec;

/** What one client (by its address: the balancer is the public entry) may hold open. */
const clientLimitsSpec = {
  CLIENT_HEADERS_TIMEOUT_MS: env.int({
    default: 10_000,
    min: 100,
    max: 600_000,
    doc: 'request line and headers must arrive within this long; else 408',
  }),
  CLIENT_REQUEST_TIMEOUT_MS: env.int({
    default: 30_000,
    min: 100,
    max: 600_000,
    doc: 'the whole request must arrive within this long; else 408',
  }),
  CLIENT_BODY_TIMEOUT_MS: env.int({
    default: 10_000,
    min: 100,
    max: 600_000,
    doc: 'longest pause between body chunks; else 408',
  }),
  CLIENT_KEEP_ALIVE_TIMEOUT_MS: env.int({
    default: 15_000,
    min: 100,
    max: 600_000,
    doc: 'how long an idle keep-alive connection stays open',
  }),
  CLIENT_MAX_CONNECTIONS: env.int({
    default: 64,
    min: 1,
    max: 100_000,
    doc: 'connections one client address may hold open; past it, 429',
  }),
  CLIENT_MAX_CONCURRENT_REQUESTS: env.int({
    default: 32,
    min: 1,
    max: 100_000,
    doc: 'requests one client address may have in flight; past it, 429',
  }),
} satisfies Spec;

/** The balancer's active health checks of the gateways. */
const healthCheckSpec = {
  HEALTH_INTERVAL_MS: env.int({ default: 10_000, min: 100, max: 600_000, doc: 'active health check period' }),
  HEALTH_TIMEOUT_MS: env.int({ default: 2000, min: 50, max: 60_000, doc: 'one health check may take this long' }),
  HEALTH_PATH: env.string({
    default: '/ready',
    pattern: /^\/[\w./-]*$/,
    doc: 'path checked: /ready, not /health, so a draining gateway leaves rotation',
  }),
  UNHEALTHY_THRESHOLD: env.int({ default: 3, min: 1, max: 100, doc: 'failed checks before a gateway is out' }),
  HEALTHY_THRESHOLD: env.int({ default: 2, min: 1, max: 100, doc: 'passed checks before it is back in' }),
} satisfies Spec;

export const lbSpec = {
  ...processSpec({ port: 8080, instanceId: 'lb-1', idExample: 'lb-1' }),
  ...telemetrySpec,
  ...httpSpec({
    maxConcurrentRequests: 0,
    min: 0,
    doc: 'requests in flight before 503 OVERLOADED at the edge (0: 256 per gateway)',
  }),
  ...clientLimitsSpec,
  GATEWAY_URLS: env.string({
    description: 'comma-separated base URLs of the gateway instances',
    doc: "the region's gateway instances",
  }),
  ...healthCheckSpec,
  EJECTION_MS: env.int({
    default: 1000,
    min: 10,
    max: 600_000,
    doc: 'first passive ejection on live errors (doubling, up to 30 s)',
  }),
  UPSTREAM_TIMEOUT_MS: env.int({ default: 15_000, min: 100, max: 600_000, doc: 'deadline of a proxied request' }),
} satisfies Spec;
