// The PostgreSQL log's wake-ups: an append notifies the partitions it wrote,
// and a consumer reads only those, not every partition it holds (reading all
// of them on every append was most of the database's queries under load).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendToOutbox, startConsumer, type Envelope } from '@shop/events';
import type { Database } from '@shop/data';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { count, createWorld, eventually, logger } from './harness.ts';

let cluster: TestCluster;
before(async () => {
  cluster = await startEmbeddedCluster('wake');
});
after(async () => {
  await cluster.close();
});

/** Counts the partition reads made through `db` from now on. */
function countPartitionReads(db: Database): { n: number } {
  const counted = { n: 0 };
  const query = db.query.bind(db);
  (db as { query: Database['query'] }).query = (text: string, values?: unknown[]) => {
    if (/FROM events WHERE topic = \$1 AND partition = \$2/.test(text)) counted.n += 1;
    return query(text, values);
  };
  return counted;
}

test('one event on one of 8 partitions: the woken consumer reads that partition, not all 8', async () => {
  const w = await createWorld(cluster, 'wake');
  // Polls far apart: only the notification can bring the event in time.
  const consumer = startConsumer({
    log: w.bus,
    group: 'wake',
    topics: ['order'],
    db: w.consumer,
    handle: async (event, tx) =>
      void (await tx.query('INSERT INTO effects (event_id, key, seq) VALUES ($1, $2, $3)', [
        event.id,
        event.key,
        event.payload.seq,
      ])),
    logger,
    pollIntervalMs: 60_000,
    leaseMs: 30_000,
  });
  try {
    const reads = countPartitionReads(w.log.db);
    await sleep(500); // the first round reads every partition, then waits
    reads.n = 0;
    const sent: Envelope[] = [];
    await w.producer.transaction(
      async (tx) =>
        void sent.push(
          await appendToOutbox(tx, 'test-producer', {
            topic: 'order',
            type: 'order.tested',
            key: 'order-7',
            payload: { seq: 1 },
          }),
        ),
    );
    await w.bus.publish('order', sent);
    await eventually(
      'the effect',
      async () => (await count(w.consumer, 'SELECT count(*) AS n FROM effects')) === 1,
      5000,
    );
    await sleep(300);
    // The named partition, then once more to see it drained.
    assert.ok(reads.n >= 1 && reads.n <= 2, `${reads.n} partition reads`);
  } finally {
    await consumer.stop();
    await w.close();
  }
});
