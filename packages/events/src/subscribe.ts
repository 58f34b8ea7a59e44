/**
 * A consumer's subscription wiring in one call, the same in every consuming
 * service: the bus createEventBus picks (or one given), the lag gauge, a
 * background start that waits for the bus to come up, and the stop on close.
 */
import type { Database } from '@shop/data';
import type { Logger } from '@shop/platform';
import type { Registry } from 'prom-client';
import type { ConsumerHandle, EventBus, EventHandler } from './bus.ts';
import { startConsumer } from './consumer.ts';
import { createEventBus, type EventBusSettings } from './createEventBus.ts';
import { observeConsumerLag } from './lagGauge.ts';
import { waitForBus } from './wiring.ts';

export interface SubscriptionOptions {
  group: string;
  topics: readonly string[];
  handle: EventHandler;
  /** The event types the handler acts on (default: all); see SubscribeOptions.accepts. */
  accepts?: (type: string) => boolean;
  /** NATS_URL / EVENTS_DATABASE_URL / EVENTS_NAMESPACE (the service's config). */
  settings: EventBusSettings;
  /** A bus to consume from instead (tests); it is not closed here. */
  bus?: Pick<EventBus, 'subscribe'>;
  instanceId?: string;
  pollIntervalMs?: number;
  /** PostgreSQL pool of the owned bus (default 2). */
  poolMax?: number;
  consumer?: { maxAttempts?: number; backoff?: (attempt: number) => number; leaseMs?: number };
}

/** What subscribe needs of the app: a hook on close (a ServiceApp, or any Fastify instance). */
export interface ClosingApp {
  addHook(name: 'onClose', hook: () => Promise<void>): unknown;
}

export interface SubscriptionDeps {
  db: Database;
  logger: Logger;
  metrics: { registry: Registry };
}

export interface Subscription {
  /** The running consumer, once the bus answered (undefined before). */
  consumer(): ConsumerHandle | undefined;
}

/**
 * Starts consumer group `options.group` for as long as `app` lives. Throws at
 * once when there is no bus to consume from (neither NATS_URL nor
 * EVENTS_DATABASE_URL, and none given). The consumer starts in the background
 * once the bus answers (it may come up after the service); on close it stops
 * after the event in hand, and the owned bus is closed.
 */
export function subscribe(app: ClosingApp, deps: SubscriptionDeps, options: SubscriptionOptions): Subscription {
  const owned = options.bus ? undefined : ownBus(deps.logger, options);
  const bus = options.bus ?? owned!;
  let consumer: ConsumerHandle | undefined;
  observeConsumerLag(deps.metrics.registry, options.group, () => consumer?.lag());
  const starting = new AbortController();
  const start = async (): Promise<void> => {
    if (owned && !(await waitForBus(owned, deps.logger, starting.signal))) return;
    if (starting.signal.aborted) return;
    const { group, topics, handle, accepts, instanceId, pollIntervalMs } = options;
    const settings = { group, topics, handle, accepts, instanceId, pollIntervalMs, ...options.consumer };
    consumer = startConsumer({ log: bus, db: deps.db, logger: deps.logger, ...settings });
  };
  const started = start();
  app.addHook('onClose', async () => {
    starting.abort();
    await started;
    await consumer?.stop();
    await owned?.close();
  });
  return { consumer: () => consumer };
}

function ownBus(logger: Logger, options: SubscriptionOptions): EventBus {
  const bus = createEventBus(options.settings, { logger, poolMax: options.poolMax ?? 2, name: options.instanceId });
  if (!bus) throw new Error(`The ${options.group} consumer needs NATS_URL or EVENTS_DATABASE_URL to consume events`);
  return bus;
}
