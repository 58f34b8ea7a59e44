import { createTokenVerifier, JWKS_PATH, registerAuthentication, type TokenVerifier } from '@shop/auth';
import { createEventBus, startConsumer, waitForBus, type ConsumerHandle, type EventBus } from '@shop/events';
import {
  createBaseApp,
  createPeerClient,
  parsePeerUrls,
  type PeerClient,
  type ServiceApp,
  type ServiceDeps,
} from '@shop/platform';
import type { JSONWebKeySet } from 'jose';
import type { AnalyticsConfig } from './config.ts';
import { FigureReader } from './adapters/figureReader.ts';
import { CONSUMER_GROUP, handleEvent, SUBSCRIBED_TOPICS } from './events/handleEvent.ts';
import { observeConsumerLag } from './events/lagGauge.ts';
import { registerAnalyticsRoutes } from './http/routes.ts';

export { configSpec, type AnalyticsConfig } from './config.ts';
export { CONSUMER_GROUP } from './events/handleEvent.ts';

export interface AnalyticsOverrides {
  verifier?: TokenVerifier;
  /** The bus to consume from (default: JetStream at NATS_URL, else the PostgreSQL log at EVENTS_DATABASE_URL). */
  bus?: Pick<EventBus, 'subscribe'>;
  /** The clock the summary's default window ends at. */
  now?: () => Date;
  consumer?: { maxAttempts?: number; backoff?: (attempt: number) => number; leaseMs?: number };
}

/**
 * Builds the analytics service: a consumer of the order events (group
 * `analytics`, exactly-once through its inbox) that keeps per-minute order
 * counts, revenue by currency and product sales in its own database, and the
 * admin routes that read them. Never listens (main.ts does).
 */
export function createApp(config: AnalyticsConfig, deps: ServiceDeps, overrides: AnalyticsOverrides = {}): ServiceApp {
  const app = createBaseApp(config, deps);
  const ownedPeers: PeerClient[] = [];
  registerAuthentication(app, overrides.verifier ?? jwksVerifier(config, deps, ownedPeers));
  registerAnalyticsRoutes(app, { figures: new FigureReader(deps.db), now: overrides.now ?? (() => new Date()) });

  const ownedBus = overrides.bus
    ? undefined
    : createEventBus(config, { logger: deps.logger, poolMax: 2, name: config.INSTANCE_ID });
  if (!overrides.bus && !ownedBus)
    throw new Error('The analytics service needs NATS_URL or EVENTS_DATABASE_URL to consume events');
  const bus: Pick<EventBus, 'subscribe'> = overrides.bus ?? ownedBus!;
  let consumer: ConsumerHandle | undefined;
  observeConsumerLag(deps.metrics.registry, CONSUMER_GROUP, () => consumer?.lag());
  const starting = new AbortController();
  // The bus may come up after us: it is retried in the background and the consumer starts once it answers.
  const start = async (): Promise<void> => {
    if (ownedBus && !(await waitForBus(ownedBus, deps.logger, starting.signal))) return;
    if (starting.signal.aborted) return;
    consumer = startConsumer({
      log: bus,
      group: CONSUMER_GROUP,
      topics: SUBSCRIBED_TOPICS,
      db: deps.db,
      handle: handleEvent,
      logger: deps.logger,
      instanceId: config.INSTANCE_ID,
      pollIntervalMs: config.ANALYTICS_POLL_INTERVAL_MS,
      maxAttempts: overrides.consumer?.maxAttempts,
      backoff: overrides.consumer?.backoff,
      leaseMs: overrides.consumer?.leaseMs,
    });
  };
  const started = start();

  app.addHook('onClose', async () => {
    starting.abort();
    await started;
    await consumer?.stop();
    await ownedBus?.close();
    await Promise.all(ownedPeers.map((p) => p.close()));
  });
  return app;
}

function jwksVerifier(config: AnalyticsConfig, deps: ServiceDeps, owned: PeerClient[]): TokenVerifier {
  if (!config.PEER_USER_URLS)
    throw new Error('PEER_USER_URLS is required to verify access tokens (or inject a verifier)');
  let users: PeerClient;
  if (deps.peer) users = deps.peer('user');
  else {
    users = createPeerClient({
      service: 'user',
      urls: parsePeerUrls(config.PEER_USER_URLS),
      caller: 'analytics',
      tls: deps.tls,
    });
    owned.push(users);
  }
  return createTokenVerifier({
    loadKeys: async () => {
      const response = await users.request<JSONWebKeySet>({ method: 'GET', path: JWKS_PATH });
      if (response.status !== 200) throw new Error(`The user service answered ${response.status} for its key set`);
      return response.body;
    },
  });
}
