import { createAuthenticatedApp, type TokenVerifier } from '@shop/auth';
import { listenForNotifications, subscribe, type EventBus, type Listener } from '@shop/events';
import type { ServiceApp, ServiceDeps } from '@shop/platform';
import { Gauge } from 'prom-client';
import type { NotificationConfig } from './config.ts';
import { SqlEmailQueue } from './adapters/emailQueue.ts';
import { createSmtpMailer } from './adapters/mailer.ts';
import { NOTIFY_CHANNEL, SqlNotificationStore } from './adapters/notificationRepository.ts';
import { parseRevocation } from './adapters/sessionRevocations.ts';
import { dispatchPendingEmails } from './app/dispatchEmails.ts';
import { startEmailDispatcher, type EmailDispatcher } from './app/emailDispatcher.ts';
import { LiveFeed } from './app/liveFeed.ts';
import { StreamRegistry, type Clock } from './app/streamRegistry.ts';
import type { Mailer } from './domain/ports.ts';
import { handleEvent, SUBSCRIBED_TOPICS } from './events/handleEvent.ts';
import { isHandled } from './events/schemas.ts';
import { registerNotificationRoutes } from './http/routes.ts';

export { configSpec, type NotificationConfig } from './config.ts';
export type { Mailer, OutgoingEmail } from './domain/ports.ts';

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
  const { app, peers } = createAuthenticatedApp(config, deps, { caller: 'notification', verifier: overrides.verifier });

  const feed = new LiveFeed();
  const streams = new StreamRegistry(streamLimits(config), overrides.clock);
  countStreams(deps, streams);
  const notifications = new SqlNotificationStore(deps.db);
  registerNotificationRoutes(app, { notifications, feed, streams, heartbeatMs: overrides.heartbeatMs ?? 15_000 });

  const mailer = overrides.mailer ?? createSmtpMailer(config.SMTP_URL);
  const dispatcher = emailDispatcher(config, deps, mailer);
  const listener = followCommits(deps, { feed, streams, dispatcher });
  subscribe(app, deps, {
    group: CONSUMER_GROUP,
    topics: SUBSCRIBED_TOPICS,
    handle: handleEvent,
    accepts: isHandled,
    settings: config,
    bus: overrides.bus,
    instanceId: config.INSTANCE_ID,
    pollIntervalMs: config.NOTIFICATION_POLL_INTERVAL_MS,
    poolMax: 3,
    consumer: overrides.consumer,
  });

  app.addHook('preClose', (done) => {
    streams.endAll('shutting-down');
    done();
  });
  app.addHook('onClose', async () => {
    await dispatcher.stop();
    await listener.close();
    mailer.close();
    await peers.close();
  });
  return app;
}

/** Sends committed notifications' emails: at every kick, and at least every poll interval (1 s at the least). */
function emailDispatcher(config: NotificationConfig, deps: ServiceDeps, mailer: Mailer): EmailDispatcher {
  const queue = new SqlEmailQueue(deps.db);
  return startEmailDispatcher({
    pass: () => dispatchPendingEmails({ queue, mailer, from: config.MAIL_FROM, log: deps.logger }),
    log: deps.logger,
    pollIntervalMs: Math.max(config.NOTIFICATION_POLL_INTERVAL_MS, 1000),
  });
}

/**
 * What every instance hears at commit, on the database's notification
 * channel: a new notification (to its owner's live streams, and the email
 * dispatcher), or a revoked session (its streams end).
 */
function followCommits(
  deps: ServiceDeps,
  to: { feed: LiveFeed; streams: StreamRegistry; dispatcher: EmailDispatcher },
): Listener {
  const onPayload = (payload: string): void => {
    const revoked = parseRevocation(payload);
    if (revoked) {
      to.streams.endSession(revoked.userId, revoked.sessionId);
      return;
    }
    to.feed.publish(payload);
    to.dispatcher.kick();
  };
  return listenForNotifications(deps.db, NOTIFY_CHANNEL, onPayload, {
    logger: deps.logger,
    onConnected: () => to.dispatcher.kick(),
  });
}

function countStreams(deps: ServiceDeps, streams: StreamRegistry): void {
  new Gauge({
    name: 'notification_streams_open',
    help: 'Live notification streams (SSE) held by this instance',
    registers: [deps.metrics.registry],
    collect() {
      this.set(streams.size);
    },
  });
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
