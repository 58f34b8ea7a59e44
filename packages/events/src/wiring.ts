import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@shop/data';
import type { Logger, ServiceApp } from '@shop/platform';
import type { EventBus } from './bus.ts';
import { createEventBus, type EventBusSettings } from './createEventBus.ts';
import { errorMessage } from './delivery.ts';
import { startOutboxRelay, type OutboxRelay } from './relay.ts';

/**
 * Resolves once the bus is ready (PostgreSQL migrated, NATS connected),
 * retrying with backoff while it is unreachable: the bus may come up after
 * the service. Returns false when `signal` aborted first.
 */
export async function waitForBus(bus: EventBus, logger: Logger, signal: AbortSignal): Promise<boolean> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await bus.ready();
      return true;
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0)
        logger.warn(
          { attempt, backend: bus.backend, err: errorMessage(error) },
          'event bus not reachable yet; retrying',
        );
      await sleep(Math.min(5000, 200 * 2 ** attempt), undefined, { signal }).catch(() => undefined);
    }
  }
  return false;
}

/**
 * A producer's half of the backbone in one call: relay this service's outbox
 * to the bus createEventBus picks (NATS_URL, else EVENTS_DATABASE_URL) for as
 * long as the app lives. A bare string is the PostgreSQL log's URL (the older
 * call). Without either (unit and service tests) nothing starts and outbox
 * rows simply wait.
 */
export function relayOutboxToLog(
  app: ServiceApp,
  deps: { db: Database; logger: Logger },
  settings: EventBusSettings | string | undefined,
): void {
  const bus = createEventBus(typeof settings === 'string' ? { EVENTS_DATABASE_URL: settings } : (settings ?? {}), {
    logger: deps.logger,
    poolMax: 2,
    listen: false,
    name: 'outbox-relay',
  });
  if (!bus) return;
  const stopping = new AbortController();
  let relay: OutboxRelay | undefined;
  const start = async (): Promise<void> => {
    if (await waitForBus(bus, deps.logger, stopping.signal))
      relay = startOutboxRelay({ db: deps.db, log: bus, logger: deps.logger });
  };
  const started = start();
  app.addHook('onClose', async () => {
    stopping.abort();
    await started;
    await relay?.stop();
    await bus.close();
  });
}
