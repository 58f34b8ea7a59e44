// The event backbone end to end on a real (embedded) PostgreSQL: outbox ->
// relay -> log -> consumer, competing relays, and what only the PostgreSQL log
// has (its tables, retention). Duplicates, per-key order across members, dead
// letters, restarts and replay are the bus contract, run on both backends in
// contract.test.ts; processes killed mid-batch are in crash.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendToOutbox,
  startConsumer,
  startOutboxRelay,
  type Envelope,
  type EventBus,
  type EventHandler,
} from '@shop/events';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { count, createWorld, eventually, logger, type EventsWorld } from './harness.ts';

let cluster: TestCluster;
before(async () => {
  cluster = await startEmbeddedCluster('events');
});
after(async () => {
  await cluster.close();
});

/** Records each event's effect: (event id, key, payload.seq). */
const record: EventHandler = async (event, tx) => {
  await tx.query('INSERT INTO effects (event_id, key, seq) VALUES ($1, $2, $3)', [
    event.id,
    event.key,
    event.payload.seq,
  ]);
};

async function produce(
  world: EventsWorld,
  events: Array<{ key: string; seq: number }>,
  topic = 'order',
): Promise<Envelope[]> {
  const out: Envelope[] = [];
  // Several events per transaction, like a producer recording a few transitions at once.
  for (let i = 0; i < events.length; i += 20) {
    await world.producer.transaction(async (tx) => {
      for (const e of events.slice(i, i + 20))
        out.push(
          await appendToOutbox(tx, 'test-producer', {
            topic,
            type: 'order.tested',
            key: e.key,
            payload: { seq: e.seq },
          }),
        );
    });
  }
  return out;
}

function consume(
  world: EventsWorld,
  handle: EventHandler = record,
  extra: { maxAttempts?: number; group?: string } = {},
): ReturnType<typeof startConsumer> {
  return startConsumer({
    log: world.log,
    group: extra.group ?? 'effects',
    topics: ['order'],
    db: world.consumer,
    handle,
    logger,
    maxAttempts: extra.maxAttempts,
    backoff: () => 10,
    pollIntervalMs: 200,
  });
}

test('outbox -> relay -> log -> consumer: every event has its effect once, with the envelope intact', async () => {
  const world = await createWorld(cluster, 'e2e');
  const relay = startOutboxRelay({ db: world.producer, log: world.log, logger, pollIntervalMs: 50 });
  const seen: Envelope[] = [];
  const consumer = consume(world, async (event, tx) => {
    seen.push(event);
    await record(event, tx, { topic: 'order', partition: 0, offset: 0, attempt: 1 });
  });
  try {
    const sent = await produce(world, [
      { key: 'order-1', seq: 1 },
      { key: 'order-1', seq: 2 },
      { key: 'order-2', seq: 1 },
    ]);
    await eventually(
      'three effects',
      async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects')) === 3,
    );
    assert.equal(await count(world.producer, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL'), 0);
    const first = seen.find((e) => e.id === sent[0]!.id)!;
    assert.deepEqual(first, sent[0]);
    assert.match(first.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, 'UUIDv7 ids');
    assert.ok(first.hlc && first.hlc < sent[1]!.hlc!, 'HLC timestamps increase');
    await eventually('lag drains to 0', async () => (await consumer.lag()) === 0);
  } finally {
    await consumer.stop();
    await relay.stop();
    await world.close();
  }
});

test('two relays on one outbox never append the same row twice, and per-key order holds', async () => {
  const world = await createWorld(cluster, 'relays');
  const appended = new Map<string, number>();
  const counting: Pick<EventBus, 'publish'> = {
    publish: async (topic, envelopes) => {
      const result = await world.log.publish(topic, envelopes);
      for (const e of envelopes) appended.set(e.id, (appended.get(e.id) ?? 0) + 1);
      return result;
    },
  };
  const events = Array.from({ length: 400 }, (_, i) => ({ key: `k${i % 7}`, seq: Math.floor(i / 7) }));
  await produce(world, events);
  const relays = [0, 1].map(() =>
    startOutboxRelay({ db: world.producer, log: counting, logger, pollIntervalMs: 10, batchSize: 25 }),
  );
  try {
    await eventually(
      'all rows published',
      async () => (await count(world.producer, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')) === 0,
    );
    assert.equal(appended.size, 400);
    assert.deepEqual(
      [...appended.values()].filter((n) => n > 1),
      [],
      'no row was appended by both relays',
    );
    const { rows } = await world.log.db.query<{ key: string; seq: number }>(
      "SELECT key, (envelope->'payload'->>'seq')::int AS seq FROM events ORDER BY partition, \"offset\"",
    );
    assertPerKeyOrder(rows);
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    await world.close();
  }
});

test('invalid envelopes are refused on publish; retention deletes only what every group has passed', async () => {
  const world = await createWorld(cluster, 'retain');
  try {
    await assert.rejects(world.log.publish('order', [{ id: 'nope' } as unknown as Envelope]), /Invalid event envelope/);
    const sent = await produce(
      world,
      Array.from({ length: 10 }, (_, i) => ({ key: 'k', seq: i })),
    );
    await world.log.publish('order', sent);
    const consumer = consume(world);
    await eventually('consumed', async () => (await consumer.lag()) === 0);
    await consumer.stop();
    await world.log.db.query("UPDATE events SET appended_at = now() - interval '10 days'");
    // A second group that has read only half keeps the rest alive.
    await world.log.db.query(
      `INSERT INTO consumer_offsets (group_name, topic, partition, "offset") SELECT 'slow', topic, partition, 5 FROM consumer_offsets WHERE group_name = 'effects'`,
    );
    const partition = (await world.log.db.query<{ partition: number }>('SELECT DISTINCT partition FROM events')).rows;
    assert.equal(partition.length, 1);
    assert.equal(await world.log.applyRetention(7), 5);
    assert.equal(await count(world.log.db, 'SELECT count(*) AS n FROM events'), 5);
  } finally {
    await world.close();
  }
});

function assertPerKeyOrder(rows: Array<{ key: string; seq: number }>): void {
  const last = new Map<string, number>();
  for (const row of rows) {
    const previous = last.get(row.key) ?? -1;
    assert.ok(row.seq > previous, `key ${row.key}: seq ${row.seq} after ${previous}`);
    last.set(row.key, row.seq);
  }
}
