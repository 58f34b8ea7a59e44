// A producer's outbox relay as its own process, for the crash tests:
// DATABASE_URL is the producer's database; the bus comes from NATS_URL or EVENTS_DATABASE_URL.
import { startOutboxRelay } from '@shop/events';
import { fromEnv, stopOnSigterm } from './busFromEnv.ts';

const { logger, bus, db } = fromEnv('relay');
await bus.ready();
const relay = startOutboxRelay({
  db,
  log: bus,
  logger,
  pollIntervalMs: 20,
  batchSize: Number(process.env.RELAY_BATCH_SIZE ?? 100),
});
stopOnSigterm(async () => {
  await relay.stop();
  await bus.close();
  await db.close();
});
