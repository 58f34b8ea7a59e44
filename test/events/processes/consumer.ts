// A member of consumer group "effects" as its own process, for the crash
// tests: each event's effect is a row (event id, key, seq) in its database,
// written through the inbox.
import { startConsumer } from '@shop/events';
import { fromEnv, stopOnSigterm } from './busFromEnv.ts';

const { logger, bus, db } = fromEnv('consumer');
await bus.ready();
const consumer = startConsumer({
  log: bus,
  group: 'effects',
  topics: ['order'],
  db,
  logger,
  handle: async (event, tx) => {
    await tx.query('INSERT INTO effects (event_id, key, seq) VALUES ($1, $2, $3)', [
      event.id,
      event.key,
      event.payload.seq,
    ]);
  },
  backoff: () => 20,
  pollIntervalMs: 100,
  leaseMs: Number(process.env.LEASE_MS ?? 2000),
});
stopOnSigterm(async () => {
  await consumer.stop();
  await bus.close();
  await db.close();
});
