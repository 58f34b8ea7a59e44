// The gateway's entry point: the only file of the gateway that reads process.env and listens.
import { createTokenVerifier, JWKS_PATH } from '@shop/auth';
import {
  createDiscovery,
  createPeerClient,
  loadMeshTls,
  parsePeerUrls,
  serveProcess,
  ServiceMetrics,
  startProcess,
  type Logger,
} from '@shop/platform';
import type { JSONWebKeySet } from 'jose';
import { Redis } from 'ioredis';
import { gatewaySpec, type GatewayConfig } from './config.ts';
import { createGateway } from './createGateway.ts';
import { FallbackRateLimitStore, MemoryRateLimitStore, type RateLimitStore } from './rateLimit.ts';
import { RedisRateLimitStore } from './redisRateLimit.ts';

type PeerPolicy = Parameters<typeof createPeerClient>[0]['policy'];

/** Shared rate limits on Redis (falling back to per-instance memory while it is down), or memory alone. */
function rateLimitStore(config: GatewayConfig, logger: Logger): { store: RateLimitStore; close(): Promise<void> } {
  if (!config.REDIS_URL) return { store: new MemoryRateLimitStore(), close: () => Promise.resolve() };
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis error'));
  let fallbacks = 0;
  const store = new FallbackRateLimitStore(new RedisRateLimitStore(redis), new MemoryRateLimitStore(), (error) => {
    if (fallbacks++ % 1000 === 0)
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'shared rate limits unavailable; limiting per instance',
      );
  });
  const close = async (): Promise<void> =>
    void (redis.status === 'ready' ? await redis.quit().catch(() => redis.disconnect()) : redis.disconnect());
  return { store, close };
}

const started = startProcess({ service: 'gateway', spec: gatewaySpec }, process.env);
const { config, identity, logger } = started;
const tls = await loadMeshTls(config);
const discovery = createDiscovery(config, logger);
const peer = (service: string, urls: string, policy?: PeerPolicy) => {
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
const rateLimits = rateLimitStore(config, logger);
const metrics = new ServiceMetrics(identity);
const app = createGateway(config, {
  logger,
  metrics,
  verifier,
  peers,
  streams,
  rateLimits: rateLimits.store,
  lifecycle,
});
await serveProcess(app, started, {
  lifecycle,
  announce: 'gateway',
  onClose: [
    ...[...Object.values(peers), streams].map((p) => () => p.close()),
    () => rateLimits.close(),
    () => discovery?.close() ?? Promise.resolve(),
  ],
});
