import { createTokenVerifier, JWKS_PATH } from '@shop/auth';
import { startTelemetry } from '@shop/telemetry';
import {
  ConfigError,
  createDiscovery,
  createLogger,
  createPeerClient,
  loadConfig,
  loadMeshTls,
  parsePeerUrls,
  serve,
  ServiceMetrics,
} from '@shop/platform';
import type { JSONWebKeySet } from 'jose';
import { gatewaySpec } from './config.ts';
import { createGateway } from './createGateway.ts';
import { Redis } from 'ioredis';
import { FallbackRateLimitStore, MemoryRateLimitStore, type RateLimitStore } from './rateLimit.ts';
import { RedisRateLimitStore } from './redisRateLimit.ts';

let config;
try {
  config = loadConfig(gatewaySpec, process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`gateway: ${error.message}\n`);
  process.exit(78);
}
const identity = { service: 'gateway', instance: config.INSTANCE_ID, region: config.REGION };
const logger = createLogger({ ...identity, level: config.LOG_LEVEL });
const telemetry = startTelemetry({
  ...identity,
  endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
});
const tls = await loadMeshTls(process.env);
const discovery = createDiscovery(process.env, logger);
const peer = (service: string, urls: string, policy?: Parameters<typeof createPeerClient>[0]['policy']) => {
  const client = createPeerClient({
    service,
    urls: parsePeerUrls(urls),
    caller: 'gateway',
    tls,
    defaultTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    policy,
    onEvent: (event) => logger.warn({ mesh: event }, `mesh ${event.type}`),
  });
  discovery?.watch(service, config.REGION, client);
  return client;
};
const peers = {
  user: peer('user', config.PEER_USER_URLS),
  product: peer('product', config.PEER_PRODUCT_URLS),
  order: peer('order', config.PEER_ORDER_URLS),
  payment: peer('payment', config.PEER_PAYMENT_URLS),
  notification: peer('notification', config.PEER_NOTIFICATION_URLS),
  ...(config.PEER_ANALYTICS_URLS ? { analytics: peer('analytics', config.PEER_ANALYTICS_URLS) } : {}),
};
// Event streams on connections of their own: a stream holds one for as long as it lives.
const streams = peer('notification', config.PEER_NOTIFICATION_URLS, { connectionsPerInstance: config.MAX_STREAMS });
const verifier = createTokenVerifier({
  loadKeys: async () => {
    const response = await peers.user.request<JSONWebKeySet>({ method: 'GET', path: JWKS_PATH, timeoutMs: 2000 });
    if (response.status !== 200) throw new Error(`JWKS answered ${response.status}`);
    return response.body;
  },
});
const lifecycle = { draining: false };
const redis = config.REDIS_URL
  ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
  : undefined;
redis?.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis error'));
let fallbacks = 0;
const rateLimits: RateLimitStore = redis
  ? new FallbackRateLimitStore(new RedisRateLimitStore(redis), new MemoryRateLimitStore(), (error) => {
      if (fallbacks++ % 1000 === 0)
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'shared rate limits unavailable; limiting per instance',
        );
    })
  : new MemoryRateLimitStore();
const app = createGateway(config, {
  logger,
  metrics: new ServiceMetrics(identity),
  verifier,
  peers,
  streams,
  rateLimits,
  lifecycle,
});
await serve(app, {
  host: config.HOST,
  port: config.PORT,
  logger,
  lifecycle,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  exitWithParent: process.env.SHOP_SUPERVISED === '1',
  onClose: [
    ...[...Object.values(peers), streams].map((p) => () => p.close()),
    async () =>
      void (redis?.status === 'ready' ? await redis.quit().catch(() => redis.disconnect()) : redis?.disconnect()),
    () => discovery?.close() ?? Promise.resolve(),
    () => telemetry.shutdown(),
  ],
});
logger.info({ port: config.PORT }, 'gateway listening');
