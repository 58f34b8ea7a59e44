import { createAuthenticatedApp, type TokenVerifier } from '@shop/auth';
import { subscribe, type EventBus } from '@shop/events';
import type { ServiceApp, ServiceDeps } from '@shop/platform';
import type { AnalyticsConfig } from './config.ts';
import { SqlFigureReader } from './adapters/figureReader.ts';
import { CONSUMER_GROUP, handleEvent, SUBSCRIBED_TOPICS } from './events/handleEvent.ts';
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
  const { app, peers } = createAuthenticatedApp(config, deps, { caller: 'analytics', verifier: overrides.verifier });
  registerAnalyticsRoutes(app, { figures: new SqlFigureReader(deps.db), now: overrides.now ?? (() => new Date()) });
  subscribe(app, deps, {
    group: CONSUMER_GROUP,
    topics: SUBSCRIBED_TOPICS,
    handle: handleEvent,
    settings: config,
    bus: overrides.bus,
    instanceId: config.INSTANCE_ID,
    pollIntervalMs: config.ANALYTICS_POLL_INTERVAL_MS,
    consumer: overrides.consumer,
  });
  app.addHook('onClose', () => peers.close());
  return app;
}
