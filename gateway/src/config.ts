import { env, type ConfigOf } from '@shop/platform';

export const gatewaySpec = {
  HOST: env.string({ default: '127.0.0.1' }),
  PORT: env.port(),
  INSTANCE_ID: env.string({ pattern: /^[a-z0-9][a-z0-9-]{0,62}$/, description: 'a lowercase id like "gateway-1"' }),
  REGION: env.string({ default: 'us-east' }),
  OTEL_TRACES_SAMPLER_ARG: env.ratio({ default: 1 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  PEER_USER_URLS: env.string({ description: 'comma-separated base URLs of the user service' }),
  PEER_PRODUCT_URLS: env.string({ description: 'comma-separated base URLs of the product service' }),
  PEER_ORDER_URLS: env.string({ description: 'comma-separated base URLs of the order service' }),
  PEER_PAYMENT_URLS: env.string({ description: 'comma-separated base URLs of the payment service' }),
  PEER_NOTIFICATION_URLS: env.string({ description: 'comma-separated base URLs of the notification service' }),
  /** Optional (routes.ts OPTIONAL_SERVICES): unset, /analytics answers 503. */
  PEER_ANALYTICS_URLS: env.optionalString(),
  RATE_LIMIT_USER_PER_SEC: env.int({ default: 1000, min: 1, max: 1_000_000 }),
  RATE_LIMIT_ANON_PER_SEC: env.int({ default: 200, min: 1, max: 1_000_000 }),
  /** Refused tokens per address: past it, that address's tokens are refused before they cost a verification. */
  RATE_LIMIT_INVALID_TOKEN_PER_SEC: env.int({ default: 20, min: 1, max: 1_000_000 }),
  /** Hops whose X-Forwarded-For is believed (the load balancers): addresses, CIDRs, `loopback`, or `none`. */
  TRUSTED_PROXIES: env.string({
    default: 'loopback',
    pattern: /^[\w.:/, ]+$/,
    description: 'comma-separated addresses or CIDRs of the load balancers, "loopback" or "none"',
  }),
  BODY_LIMIT_BYTES: env.int({ default: 1_048_576, min: 1024, max: 50 * 1_048_576 }),
  UPSTREAM_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000 }),
  CORS_ORIGINS: env.string({ default: '*', description: 'comma-separated allowed origins, or *' }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000 }),
  /** Admission control at the door: past this many requests in flight, new ones get 503 + Retry-After at once. */
  MAX_CONCURRENT_REQUESTS: env.int({ default: 512, min: 1, max: 100_000 }),
  /** Live event streams (GET /notifications/stream) one user may hold through one gateway instance. */
  STREAMS_PER_USER: env.int({ default: 5, min: 1, max: 1000 }),
  /** Live event streams one gateway instance holds in all; they have a connection pool of their own. */
  MAX_STREAMS: env.int({ default: 1000, min: 1, max: 100_000 }),
  /** Shares rate limits across gateway instances; per-instance memory when unset. */
  REDIS_URL: env.optionalUrl({ protocols: ['redis:', 'rediss:'] }),
};
export type GatewayConfig = ConfigOf<typeof gatewaySpec>;
