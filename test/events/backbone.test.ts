// The event backbone end to end on a real (embedded) PostgreSQL: outbox ->
// relay -> log -> consumer, with duplicates, competing relays, failures,
// dead letters and restarts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendToOutbox, startConsumer, startOutboxRelay, type Envelope, type EventBus, type EventHandler } from '@shop/events';
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
  await tx.query('INSERT INTO effects (event_id, key, seq) VALUES ($1, $2, $3)', [event.id, event.key, event.payload.seq]);
};

async function produce(world: EventsWorld, events: Array<{ key: string; seq: number }>, topic = 'order'): Promise<Envelope[]> {
  const out: Envelope[] = [];
  // Several events per transaction, like a producer recording a few transitions at once.
  for (let i = 0; i < events.length; i += 20) {
    await world.producer.transaction(async (tx) => {
      for (const e of events.slice(i, i + 20)) out.push(await appendToOutbox(tx, 'test-producer', { topic, type: 'order.tested', key: e.key, payload: { seq: e.seq } }));
    });
  }
  return out;
}

function consume(world: EventsWorld, handle: EventHandler = record, extra: { maxAttempts?: number; group?: string } = {}): ReturnType<typeof startConsumer> {
  return startConsumer({ log: world.log, group: extra.group ?? 'effects', topics: ['order'], db: world.consumer, handle, logger, maxAttempts: extra.maxAttempts, backoff: () => 10, pollIntervalMs: 200 });
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
    const sent = await produce(world, [{ key: 'order-1', seq: 1 }, { key: 'order-1', seq: 2 }, { key: 'order-2', seq: 1 }]);
    await eventually('three effects', async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects')) === 3);
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
  const relays = [0, 1].map(() => startOutboxRelay({ db: world.producer, log: counting, logger, pollIntervalMs: 10, batchSize: 25 }));
  try {
    await eventually('all rows published', async () => (await count(world.producer, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')) === 0);
    assert.equal(appended.size, 400);
    assert.deepEqual([...appended.values()].filter((n) => n > 1), [], 'no row was appended by both relays');
    const { rows } = await world.log.db.query<{ key: string; seq: number }>("SELECT key, (envelope->'payload'->>'seq')::int AS seq FROM events ORDER BY partition, \"offset\"");
    assertPerKeyOrder(rows);
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
    await world.close();
  }
});

test('duplicates are absorbed: the same event published twice, a relay crash before marking, a consumer crash before committing', async () => {
  const world = await createWorld(cluster, 'dups');
  const sent = await produce(world, Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, seq: i })));
  // A relay that appended and crashed before marking the rows published: nothing marked.
  const first = await world.log.publish('order', sent);
  assert.ok(first.every((r) => !r.duplicate));
  const again = await world.log.publish('order', [sent[0]!, sent[0]!]);
  assert.deepEqual(again.map((r) => r.duplicate), [true]);
  assert.equal(again[0]!.offset, first[0]!.offset);
  const relay = startOutboxRelay({ db: world.producer, log: world.log, logger, pollIntervalMs: 20 });
  let consumer = consume(world);
  try {
    await eventually('outbox drained', async () => (await count(world.producer, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')) === 0);
    assert.equal(await count(world.log.db, 'SELECT count(*) AS n FROM events'), 30, 'the log stored each event once');
    await eventually('30 effects', async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects')) === 30);
    // The consumer "crashed" before committing: its group's offsets go back to the start and everything is redelivered.
    await consumer.stop();
    await world.log.db.query('UPDATE consumer_offsets SET "offset" = 0');
    const redelivered: string[] = [];
    consumer = consume(world, async (event, tx, delivery) => {
      redelivered.push(event.id);
      await record(event, tx, delivery);
    });
    await eventually('redelivery done', async () => (await consumer.lag()) === 0);
    assert.equal(redelivered.length, 0, 'the inbox skipped every redelivered event before the handler');
    assert.equal(await count(world.consumer, 'SELECT count(*) AS n FROM effects'), 30);
    assert.equal(await count(world.consumer, 'SELECT count(DISTINCT event_id) AS n FROM effects'), 30);
  } finally {
    await consumer.stop();
    await relay.stop();
    await world.close();
  }
});

test('per-key order holds across 1,200 events on 12 keys with two consumer instances of one group', async () => {
  const world = await createWorld(cluster, 'order');
  const events = Array.from({ length: 1200 }, (_, i) => ({ key: `order-${i % 12}`, seq: Math.floor(i / 12) }));
  await produce(world, events);
  const relay = startOutboxRelay({ db: world.producer, log: world.log, logger, pollIntervalMs: 20, batchSize: 200 });
  const consumers = [consume(world), consume(world)];
  try {
    await eventually('1,200 effects', async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects')) === 1200, 60_000);
    const { rows } = await world.consumer.query<{ key: string; seq: number }>('SELECT key, seq FROM effects ORDER BY n');
    assertPerKeyOrder(rows);
    assert.equal(await count(world.consumer, 'SELECT count(DISTINCT event_id) AS n FROM effects'), 1200);
  } finally {
    await Promise.all(consumers.map((c) => c.stop()));
    await relay.stop();
    await world.close();
  }
});

test('a failing handler retries, then dead-letters and moves on; a redrive applies it once fixed', async () => {
  const world = await createWorld(cluster, 'dead');
  const sent = await produce(world, [{ key: 'a', seq: 1 }, { key: 'a', seq: 2 }, { key: 'a', seq: 3 }]);
  const poison = sent[1]!.id;
  let broken = true;
  const attempts: number[] = [];
  const consumer = consume(
    world,
    async (event, tx, delivery) => {
      if (event.id === poison) {
        attempts.push(delivery.attempt);
        if (broken) throw new Error('handler bug');
      }
      await record(event, tx, delivery);
    },
    { maxAttempts: 3 },
  );
  const relay = startOutboxRelay({ db: world.producer, log: world.log, logger, pollIntervalMs: 20 });
  try {
    await eventually('the events around the poison applied', async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects')) === 2);
    assert.deepEqual(attempts, [1, 2, 3]);
    const dead = await world.log.listDeadLetters({ group: 'effects' });
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.eventId, poison);
    assert.equal(dead[0]!.status, 'dead');
    assert.match(dead[0]!.error, /handler bug/);
    assert.equal(await world.log.redriveDeadLetter('00000000-0000-4000-8000-000000000000'), false);
    broken = false;
    assert.equal(await world.log.redriveDeadLetter(dead[0]!.id), true);
    await eventually('the redriven event applied', async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects WHERE event_id = $1', [poison])) === 1);
    await eventually('marked redriven', async () => (await world.log.listDeadLetters({ status: 'redriven' })).length === 1);
    assert.equal(await world.log.redriveDeadLetter(dead[0]!.id), false, 'a redriven letter is not dead any more');
  } finally {
    await relay.stop();
    await consumer.stop();
    await world.close();
  }
});

test('a consumer stopped and restarted catches up with nothing lost and nothing twice', async () => {
  const world = await createWorld(cluster, 'restart');
  const relay = startOutboxRelay({ db: world.producer, log: world.log, logger, pollIntervalMs: 20 });
  let consumer = consume(world);
  try {
    await produce(world, Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 5}`, seq: i })));
    await eventually('first 100', async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects')) === 100);
    await consumer.stop();
    await produce(world, Array.from({ length: 150 }, (_, i) => ({ key: `k${i % 5}`, seq: 100 + i })));
    await eventually('published while the consumer is down', async () => (await count(world.producer, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')) === 0);
    assert.equal(await world.log.lag('effects', ['order']), 150);
    consumer = consume(world);
    await eventually('caught up', async () => (await count(world.consumer, 'SELECT count(*) AS n FROM effects')) === 250);
    assert.equal(await count(world.consumer, 'SELECT count(DISTINCT event_id) AS n FROM effects'), 250);
    await eventually('lag 0', async () => (await consumer.lag()) === 0);
  } finally {
    await consumer.stop();
    await relay.stop();
    await world.close();
  }
});

test('invalid envelopes are refused on publish; retention deletes only what every group has passed', async () => {
  const world = await createWorld(cluster, 'retain');
  try {
    await assert.rejects(world.log.publish('order', [{ id: 'nope' } as unknown as Envelope]), /Invalid event envelope/);
    const sent = await produce(world, Array.from({ length: 10 }, (_, i) => ({ key: 'k', seq: i })));
    await world.log.publish('order', sent);
    const consumer = consume(world);
    await eventually('consumed', async () => (await consumer.lag()) === 0);
    await consumer.stop();
    await world.log.db.query("UPDATE events SET appended_at = now() - interval '10 days'");
    // A second group that has read only half keeps the rest alive.
    await world.log.db.query(`INSERT INTO consumer_offsets (group_name, topic, partition, "offset") SELECT 'slow', topic, partition, 5 FROM consumer_offsets WHERE group_name = 'effects'`);
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
