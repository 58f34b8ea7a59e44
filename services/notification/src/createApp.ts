import { createTokenVerifier, JWKS_PATH, registerAuthentication, type TokenVerifier } from '@shop/auth';
import {
  createEventBus,
  listenForNotifications,
  startConsumer,
  waitForBus,
  type ConsumerHandle,
  type EventBus,
} from '@shop/events';
import {
  createBaseApp,
  createPeerClient,
  parsePeerUrls,
  type PeerClient,
  type ServiceApp,
  type ServiceDeps,
} from '@shop/platform';
import type { JSONWebKeySet } from 'jose';
import { Gauge } from 'prom-client';
import type { NotificationConfig } from './config.ts';
import { createSmtpMailer, type Mailer } from './adapters/mailer.ts';
import { NOTIFY_CHANNEL, NotificationRepository } from './adapters/notificationRepository.ts';
import { parseRevocation } from './adapters/sessionRevocations.ts';
import { startEmailDispatcher } from './app/dispatchEmails.ts';
import { LiveFeed } from './app/liveFeed.ts';
import { StreamRegistry, type Clock } from './app/streamRegistry.ts';
import { handleEvent, SUBSCRIBED_TOPICS } from './events/handleEvent.ts';
import { isHandled } from './events/schemas.ts';
import { observeConsumerLag } from './events/lagGauge.ts';
import { registerNotificationRoutes } from './http/routes.ts';

export { configSpec, type NotificationConfig } from './config.ts';
export type { Mailer, OutgoingEmail } from './adapters/mailer.ts';

export const CONSUMER_GROUP = 'notification';

export interface NotificationOverrides {
  verifier?: TokenVerifier;
  /** The bus to consume from (default: JetStream at NATS_URL, else the PostgreSQL log at EVENTS_DATABASE_URL). */
  bus?: Pick<EventBus, 'subscribe'>;
  mailer?: Mailer;
  /** SSE heartbeat period (default 15 s). */
  heartbeatMs?: number;
  /** The clock that ends streams at their token's expiry (default: the system's). */
  clock?: Clock;
  consumer?: { maxAttempts?: number; backoff?: (attempt: number) => number; leaseMs?: number };
}

/** Builds the notification service; never listens (main.ts does). */
export function createApp(
  config: NotificationConfig,
  deps: ServiceDeps,
  overrides: NotificationOverrides = {},
): ServiceApp {
  const app = createBaseApp(config, deps);
  const ownedPeers: PeerClient[] = [];
  registerAuthentication(app, overrides.verifier ?? jwksVerifier(config, deps, ownedPeers));

  const notifications = new NotificationRepository(deps.db);
  const feed = new LiveFeed();
  const streams = new StreamRegistry(streamLimits(config), overrides.clock);
  new Gauge({
    name: 'notification_streams_open',
    help: 'Live notification streams (SSE) held by this instance',
    registers: [deps.metrics.registry],
    collect() {
      this.set(streams.size);
    },
  });
  registerNotificationRoutes(app, { notifications, feed, streams, heartbeatMs: overrides.heartbeatMs ?? 15_000 });

  const mailer = overrides.mailer ?? createSmtpMailer(config.SMTP_URL);
  const dispatcher = startEmailDispatcher({
    db: deps.db,
    mailer,
    from: config.MAIL_FROM,
    logger: deps.logger,
    pollIntervalMs: Math.max(config.NOTIFICATION_POLL_INTERVAL_MS, 1000),
  });
  const listener = listenForNotifications(
    deps.db,
    NOTIFY_CHANNEL,
    (payload) => {
      const revoked = parseRevocation(payload);
      if (revoked) {
        streams.endSession(revoked.userId, revoked.sessionId);
        return;
      }
      feed.publish(payload);
      dispatcher.kick();
    },
    { logger: deps.logger, onConnected: () => dispatcher.kick() },
  );

  const ownedBus = overrides.bus
    ? undefined
    : createEventBus(config, { logger: deps.logger, poolMax: 3, name: config.INSTANCE_ID });
  if (!overrides.bus && !ownedBus)
    throw new Error('The notification service needs NATS_URL or EVENTS_DATABASE_URL to consume events');
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
      accepts: isHandled,
      logger: deps.logger,
      instanceId: config.INSTANCE_ID,
      pollIntervalMs: config.NOTIFICATION_POLL_INTERVAL_MS,
      maxAttempts: overrides.consumer?.maxAttempts,
      backoff: overrides.consumer?.backoff,
      leaseMs: overrides.consumer?.leaseMs,
    });
  };
  const started = start();

  app.addHook('preClose', (done) => {
    streams.endAll('shutting-down');
    done();
  });
  app.addHook('onClose', async () => {
    starting.abort();
    await started;
    await consumer?.stop();
    await dispatcher.stop();
    await listener.close();
    await ownedBus?.close();
    mailer.close();
    await Promise.all(ownedPeers.map((p) => p.close()));
  });
  return app;
}

/**
 * The stream caps, refusing a MAX_STREAMS that leaves no room: every open
 * stream holds one of the MAX_CONCURRENT_REQUESTS slots of the platform's
 * admission control until it closes, so streams alone must never fill them.
 */
function streamLimits(config: NotificationConfig): { perUser: number; perInstance: number } {
  if (config.MAX_STREAMS >= config.MAX_CONCURRENT_REQUESTS) {
    throw new Error(
      `MAX_STREAMS (${config.MAX_STREAMS}) must be below MAX_CONCURRENT_REQUESTS (${config.MAX_CONCURRENT_REQUESTS}): open streams hold request slots, and ordinary requests need some`,
    );
  }
  return { perUser: config.STREAMS_PER_USER, perInstance: config.MAX_STREAMS };
}

function jwksVerifier(config: NotificationConfig, deps: ServiceDeps, owned: PeerClient[]): TokenVerifier {
  if (!config.PEER_USER_URLS)
    throw new Error('PEER_USER_URLS is required to verify access tokens (or inject a verifier)');
  let users: PeerClient;
  if (deps.peer) users = deps.peer('user');
  else {
    users = createPeerClient({
      service: 'user',
      urls: parsePeerUrls(config.PEER_USER_URLS),
      caller: 'notification',
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
