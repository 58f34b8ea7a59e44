// One contract for every EventBus backend, run against the embedded
// PostgreSQL log and against the machine's NATS JetStream (skipped when NATS is
// unreachable, a failure with CI=true): publish and de-duplication, per-key
// order across members of a group, exactly-once effects under redelivery,
// retry -> dead letter -> redrive, lag, catch-up after a restart, replay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendToOutbox,
  partitionOf,
  startConsumer,
  startOutboxRelay,
  type ConsumerHandle,
  type Envelope,
  type EventHandler,
  type ReplayedEvent,
} from '@shop/events';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { count, createWorld, eventually, logger, perKeyOrderViolation, type EventsWorld } from './harness.ts';
import { backendsUnderTest } from './nats.ts';

const backends = await backendsUnderTest();

let cluster: TestCluster;
before(async () => {
  cluster = await startEmbeddedCluster('contract');
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
  events: Array<{ key: string; seq: number; type?: string }>,
  topic = 'order',
): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for (let i = 0; i < events.length; i += 20) {
    await world.producer.transaction(async (tx) => {
      for (const e of events.slice(i, i + 20))
        out.push(
          await appendToOutbox(tx, 'test-producer', {
            topic,
            type: e.type ?? 'order.tested',
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
  extra: { maxAttempts?: number; accepts?: (type: string) => boolean } = {},
): ConsumerHandle {
  return startConsumer({
    log: world.bus,
    group: 'effects',
    topics: ['order'],
    db: world.consumer,
    handle,
    accepts: extra.accepts,
    logger,
    maxAttempts: extra.maxAttempts,
    backoff: () => 10,
    pollIntervalMs: 200,
    leaseMs: 3000,
  });
}

const effects = (world: EventsWorld): Promise<number> => count(world.consumer, 'SELECT count(*) AS n FROM effects');
const unpublished = (world: EventsWorld): Promise<number> =>
  count(world.producer, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL');

async function collect(events: AsyncIterable<ReplayedEvent>): Promise<ReplayedEvent[]> {
  const out: ReplayedEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

for (const backend of backends) {
  describe(`event bus contract: ${backend.name}`, { skip: backend.skip }, () => {
    const world = (label: string): Promise<EventsWorld> =>
      createWorld(cluster, `${backend.name.slice(0, 2)}${label}`, backend.options);

    test('publish places each key in partitionOf(key, 8); a re-published id is stored once and reported duplicate at its first position', async () => {
      const w = await world('pub');
      try {
        const sent = await produce(w, [
          { key: 'order-1', seq: 1 },
          { key: 'order-1', seq: 2 },
          { key: 'order-2', seq: 1 },
        ]);
        const first = await w.bus.publish('order', sent);
        assert.deepEqual(
          first.map((r) => r.duplicate),
          [false, false, false],
        );
        assert.deepEqual(
          first.map((r) => r.partition),
          sent.map((e) => partitionOf(e.key, 8)),
        );
        assert.ok(first[1]!.offset > first[0]!.offset, 'offsets grow in publish order within a partition');
        const again = await w.bus.publish('order', [sent[0]!, sent[0]!, sent[2]!]);
        assert.deepEqual(
          again.map((r) => [r.id, r.duplicate, r.partition, r.offset]),
          [first[0]!, first[2]!].map((r) => [r.id, true, r.partition, r.offset]),
        );
        await assert.rejects(w.bus.publish('order', [{ id: 'nope' } as unknown as Envelope]), /Invalid event envelope/);
        assert.equal((await collect(w.bus.replay('order'))).length, 3, 'the log holds each event once');
      } finally {
        await w.close();
      }
    });

    test('per-key order holds across 600 events on 12 keys with two members of one group', async () => {
      const w = await world('order');
      await produce(
        w,
        Array.from({ length: 600 }, (_, i) => ({ key: `order-${i % 12}`, seq: Math.floor(i / 12) })),
      );
      const relay = startOutboxRelay({ db: w.producer, log: w.bus, logger, pollIntervalMs: 20, batchSize: 200 });
      const members = [consume(w), consume(w)];
      try {
        await eventually('600 effects', async () => (await effects(w)) === 600, 60_000);
        const { rows } = await w.consumer.query<{ key: string; seq: number }>(
          'SELECT key, seq FROM effects ORDER BY n',
        );
        assert.equal(perKeyOrderViolation(rows), undefined);
        assert.equal(await count(w.consumer, 'SELECT count(DISTINCT event_id) AS n FROM effects'), 600);
      } finally {
        await Promise.all(members.map((m) => m.stop()));
        await relay.stop();
        await w.close();
      }
    });

    test('exactly one effect per event when it is published twice and the whole group is redelivered', async () => {
      const w = await world('dups');
      const sent = await produce(
        w,
        Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, seq: i })),
      );
      // A relay that published and crashed before marking: the rows go out again.
      await w.bus.publish('order', sent);
      const relay = startOutboxRelay({ db: w.producer, log: w.bus, logger, pollIntervalMs: 20 });
      let member = consume(w);
      try {
        await eventually('outbox drained', async () => (await unpublished(w)) === 0);
        await eventually('30 effects', async () => (await effects(w)) === 30);
        // A consumer that applied everything but never committed its position: all of it comes again.
        await member.stop();
        await w.bus.resetGroup('effects', 'order', 0);
        assert.equal(await w.bus.lag('effects', ['order']), 30, 'the rewound group has everything to read again');
        const redelivered: string[] = [];
        member = consume(w, async (event, tx, delivery) => {
          redelivered.push(event.id);
          await record(event, tx, delivery);
        });
        await eventually('redelivery consumed', async () => (await member.lag()) === 0);
        assert.equal(redelivered.length, 0, 'the inbox skipped every redelivered event before the handler');
        assert.equal(await effects(w), 30);
        assert.equal(await count(w.consumer, 'SELECT count(DISTINCT event_id) AS n FROM effects'), 30);
      } finally {
        await member.stop();
        await relay.stop();
        await w.close();
      }
    });

    test('a failing handler retries, then dead-letters and moves on; a redrive applies it once fixed', async () => {
      const w = await world('dead');
      const sent = await produce(w, [
        { key: 'a', seq: 1 },
        { key: 'a', seq: 2 },
        { key: 'a', seq: 3 },
      ]);
      const poison = sent[1]!.id;
      let broken = true;
      const attempts: number[] = [];
      const member = consume(
        w,
        async (event, tx, delivery) => {
          if (event.id === poison) {
            attempts.push(delivery.attempt);
            if (broken) throw new Error('handler bug');
          }
          await record(event, tx, delivery);
        },
        { maxAttempts: 3 },
      );
      const relay = startOutboxRelay({ db: w.producer, log: w.bus, logger, pollIntervalMs: 20 });
      try {
        await eventually('the events around the poison applied', async () => (await effects(w)) === 2);
        assert.deepEqual(attempts, [1, 2, 3]);
        const { rows } = await w.consumer.query<{ seq: number }>('SELECT seq FROM effects ORDER BY n');
        assert.deepEqual(
          rows.map((r) => r.seq),
          [1, 3],
          'the partition moved on past the dead letter',
        );
        const dead = await w.bus.listDeadLetters({ group: 'effects' });
        assert.equal(dead.length, 1);
        assert.equal(dead[0]!.eventId, poison);
        assert.equal(dead[0]!.status, 'dead');
        assert.equal(dead[0]!.attempts, 3);
        assert.match(dead[0]!.error, /handler bug/);
        assert.deepEqual(await w.bus.listDeadLetters({ group: 'someone-else' }), []);
        assert.equal(await w.bus.redriveDeadLetter('00000000-0000-4000-8000-000000000000'), false);
        broken = false;
        assert.equal(await w.bus.redriveDeadLetter(dead[0]!.id), true);
        await eventually(
          'the redriven event applied',
          async () =>
            (await count(w.consumer, 'SELECT count(*) AS n FROM effects WHERE event_id = $1', [poison])) === 1,
        );
        await eventually(
          'marked redriven',
          async () => (await w.bus.listDeadLetters({ status: 'redriven' })).length === 1,
        );
        const [redriven] = await w.bus.listDeadLetters({ group: 'effects' });
        assert.ok(redriven!.redrivenAt instanceof Date);
        assert.equal(await w.bus.redriveDeadLetter(dead[0]!.id), false, 'a redriven letter is not dead any more');
        assert.equal(await effects(w), 3);
      } finally {
        await relay.stop();
        await member.stop();
        await w.close();
      }
    });

    test('lag counts what the group has not processed, from before its first member to zero', async () => {
      const w = await world('lag');
      try {
        const sent = await produce(
          w,
          Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 4}`, seq: i })),
        );
        await w.bus.publish('order', sent);
        assert.equal(await w.bus.lag('effects', ['order']), 40, 'a group that never ran has everything ahead of it');
        assert.equal(await w.bus.lag('effects', ['nothing-here']), 0);
        const member = consume(w);
        try {
          await eventually('lag 0', async () => (await member.lag()) === 0);
          assert.equal(await effects(w), 40);
          await w.bus.publish('order', await produce(w, [{ key: 'k1', seq: 100 }]));
          await eventually(
            'lag back to 0 after one more',
            async () => (await member.lag()) === 0 && (await effects(w)) === 41,
          );
        } finally {
          await member.stop();
        }
      } finally {
        await w.close();
      }
    });

    test('a type the group does not accept is passed over: no handler call, no inbox row, and the group still gets to the end', async () => {
      const w = await world('acc');
      try {
        const types = ['order.placed', 'order.paid', 'order.confirmed'];
        await w.bus.publish(
          'order',
          await produce(
            w,
            Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, seq: i, type: types[i % 3] })),
          ),
        );
        const handled: string[] = [];
        const member = consume(
          w,
          async (event, tx, delivery) => {
            handled.push(event.type);
            await record(event, tx, delivery);
          },
          { accepts: (type) => type === 'order.confirmed' },
        );
        try {
          await eventually('lag 0', async () => (await member.lag()) === 0);
          assert.deepEqual(new Set(handled), new Set(['order.confirmed']));
          assert.equal(await effects(w), 10);
          assert.equal(
            await count(w.consumer, 'SELECT count(*) AS n FROM processed_events'),
            10,
            'only accepted events take an inbox row',
          );
        } finally {
          await member.stop();
        }
      } finally {
        await w.close();
      }
    });

    test('a member stopped and restarted catches up with nothing lost and nothing twice', async () => {
      const w = await world('restart');
      const relay = startOutboxRelay({ db: w.producer, log: w.bus, logger, pollIntervalMs: 20 });
      let member = consume(w);
      try {
        await produce(
          w,
          Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 5}`, seq: i })),
        );
        await eventually('first 100', async () => (await effects(w)) === 100);
        await member.stop();
        await produce(
          w,
          Array.from({ length: 150 }, (_, i) => ({ key: `k${i % 5}`, seq: 100 + i })),
        );
        await eventually('published while the member is down', async () => (await unpublished(w)) === 0);
        assert.equal(await w.bus.lag('effects', ['order']), 150);
        member = consume(w);
        await eventually('caught up', async () => (await effects(w)) === 250);
        const { rows } = await w.consumer.query<{ key: string; seq: number }>(
          'SELECT key, seq FROM effects ORDER BY n',
        );
        assert.equal(perKeyOrderViolation(rows), undefined);
        assert.equal(await count(w.consumer, 'SELECT count(DISTINCT event_id) AS n FROM effects'), 250);
        await eventually('lag 0', async () => (await member.lag()) === 0);
      } finally {
        await member.stop();
        await relay.stop();
        await w.close();
      }
    });

    test('replay from offset 0 reads every event once, in order per key, outside any group', async () => {
      const w = await world('replay');
      try {
        const sent = await produce(
          w,
          Array.from({ length: 120 }, (_, i) => ({ key: `order-${i % 6}`, seq: i })),
        );
        const placed = await w.bus.publish('order', sent);
        await w.bus.publish('order', sent.slice(0, 10));
        const all = await collect(w.bus.replay('order'));
        assert.equal(all.length, 120);
        assert.deepEqual(new Set(all.map((r) => r.event.id)), new Set(sent.map((e) => e.id)));
        assert.equal(
          perKeyOrderViolation(all.map((r) => ({ key: r.event.key, seq: r.event.payload.seq as number }))),
          undefined,
        );
        assert.deepEqual(
          all.find((r) => r.event.id === sent[7]!.id),
          { event: sent[7], topic: 'order', partition: placed[7]!.partition, offset: placed[7]!.offset },
        );
        const head = Math.max(...placed.map((p) => p.offset));
        assert.deepEqual(await collect(w.bus.replay('order', { fromOffset: head })), []);
        assert.deepEqual(await collect(w.bus.replay('no-such-topic')), []);
        assert.equal(await w.bus.lag('effects', ['order']), 120, 'replay moved no group');
      } finally {
        await w.close();
      }
    });
  });
}
