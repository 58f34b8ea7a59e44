import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@shop/data';
import type { Logger, ServiceApp } from '@shop/platform';
import { createPgEventLog, migrateEventLog } from './pgEventLog.ts';
import { startOutboxRelay, type OutboxRelay } from './relay.ts';

/**
 * A producer's half of the backbone in one call: when EVENTS_DATABASE_URL is
 * set, relay this service's outbox to the event log for as long as the app
 * lives. The log may come up after the service; its migrations are retried in
 * the background. Without the URL (unit and service tests) nothing starts and
 * outbox rows simply wait.
 */
export function relayOutboxToLog(app: ServiceApp, deps: { db: Database; logger: Logger }, eventsDatabaseUrl: string | undefined): void {
  if (!eventsDatabaseUrl) return;
  const log = createPgEventLog({ connectionString: eventsDatabaseUrl, logger: deps.logger, poolMax: 2, listen: false });
  const stopping = new AbortController();
  let relay: OutboxRelay | undefined;
  const start = async (): Promise<void> => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        await migrateEventLog(log.db);
        break;
      } catch (error) {
        deps.logger.warn({ attempt, err: error instanceof Error ? error.message : String(error) }, 'event log not reachable yet; retrying');
        await sleep(Math.min(5000, 200 * 2 ** attempt), undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
    if (!stopping.signal.aborted) relay = startOutboxRelay({ db: deps.db, log, logger: deps.logger });
  };
  const started = start();
  app.addHook('onClose', async () => {
    stopping.abort();
    await started;
    await relay?.stop();
    await log.close();
  });
}
