import type { Logger } from '@shop/platform';
import type { EventBus } from './bus.ts';
import { createJetStreamBus } from './jetstream/jetStreamBus.ts';
import { createPgEventLog } from './pgEventLog.ts';

/** The variables that choose the backend, as services' configs name them. */
export interface EventBusSettings {
  NATS_URL?: string | undefined;
  EVENTS_DATABASE_URL?: string | undefined;
  /** JetStream namespace of this deployment (streams, consumers, dead letters); default "shop". */
  EVENTS_NAMESPACE?: string | undefined;
}

export interface EventBusOptions {
  logger?: Logger;
  /** PostgreSQL pool size (default 2). */
  poolMax?: number;
  /** Wake PostgreSQL consumers by LISTEN/NOTIFY (default true; a producer-only process passes false). */
  listen?: boolean;
  /** JetStream connection name. */
  name?: string;
  /** JetStream namespace (default "shop"): tests and benches keep to their own. */
  namespace?: string;
}

/**
 * The one place that picks the bus: NATS_URL set -> JetStream; otherwise
 * EVENTS_DATABASE_URL -> the PostgreSQL log; neither -> undefined (no bus:
 * outbox rows wait). Nothing is contacted until ready() or first use.
 */
export function createEventBus(settings: EventBusSettings, options: EventBusOptions = {}): EventBus | undefined {
  if (settings.NATS_URL)
    return createJetStreamBus({
      servers: settings.NATS_URL,
      logger: options.logger,
      name: options.name,
      namespace: options.namespace ?? settings.EVENTS_NAMESPACE,
    });
  if (settings.EVENTS_DATABASE_URL)
    return createPgEventLog({
      connectionString: settings.EVENTS_DATABASE_URL,
      logger: options.logger,
      poolMax: options.poolMax ?? 2,
      listen: options.listen,
    });
  return undefined;
}
