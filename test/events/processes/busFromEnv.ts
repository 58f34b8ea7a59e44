import { Database } from '@shop/data';
import { createEventBus, type EventBus } from '@shop/events';
import { createLogger, type Logger } from '@shop/platform';

/** What the crash-test processes share: a logger, the bus the env names, and a database pool. */
export function fromEnv(name: string): { logger: Logger; bus: EventBus; db: Database } {
  const env = process.env;
  const logger = createLogger({
    service: name,
    instance: `${name}-${process.pid}`,
    region: 'us-east',
    level: env.LOG_LEVEL ?? 'silent',
  });
  const bus = createEventBus(
    { NATS_URL: env.NATS_URL, EVENTS_DATABASE_URL: env.EVENTS_DATABASE_URL },
    { logger, namespace: env.EVENTS_NAMESPACE, poolMax: 3, name },
  );
  if (!bus) throw new Error('set NATS_URL or EVENTS_DATABASE_URL');
  if (!env.DATABASE_URL) throw new Error('set DATABASE_URL');
  // One connection per partition (8), so partitions really go side by side.
  const db = new Database({ connectionString: env.DATABASE_URL, max: 8, acquireTimeoutMs: 5000 });
  return { logger, bus, db };
}

/** Stops on SIGTERM; SIGKILL (what the tests send) gives no such chance, which is the point. */
export function stopOnSigterm(stop: () => Promise<void>): void {
  process.once('SIGTERM', () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
