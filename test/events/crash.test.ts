// The Done-when over real processes, on each bus backend:
// 10,000 events through outbox -> relay process -> bus -> consumer processes,
// with duplicates injected and the relay and a consumer SIGKILLed mid-batch;
// and a consumer group down for a minute while events keep coming, which
// catches up after its restart. Backends run side by side to bound the cost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '@shop/data';
import { appendToOutbox, type Envelope } from '@shop/events';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { count, createWorld, eventually, perKeyOrderViolation, type EventsWorld } from './harness.ts';
import { backendsUnderTest, type BackendUnderTest } from './nats.ts';
import { spawnScript, type TestProcess } from './spawn.ts';

const backends = (await backendsUnderTest()).filter((b) => !b.skip);
const skipped = (await backendsUnderTest()).filter((b) => b.skip).map((b) => `${b.name}: ${String(b.skip)}`);
const DOWNTIME_MS = Number(process.env.EVENTS_DOWNTIME_MS ?? 60_000);
const KEYS = 50;
const started = Date.now();
/** EVENTS_TEST_TIMINGS=1 prints when each phase was reached, for tuning the suite's cost. */
const mark = (what: string): void => {
  if (process.env.EVENTS_TEST_TIMINGS)
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}\n`);
};

let cluster: TestCluster;
before(async () => {
  cluster = await startEmbeddedCluster('crash');
  if (skipped.length > 0) process.stderr.write(`crash tests skip ${skipped.join('; ')}\n`);
});
after(async () => {
  await cluster.close();
});

/**
 * Appends events numbered from..from+n-1 to the outbox, spread over KEYS keys
 * with increasing seq per key. Envelopes and rows are appendToOutbox's own
 * (captured from it), written 500 to a multi-row INSERT so that producing
 * 10,000 events is not what the test waits for.
 */
async function produce(w: EventsWorld, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 500) {
    const rows: unknown[][] = [];
    const capture = {
      query: (_sql: string, values: unknown[]) => Promise.resolve(rows.push(values)),
    } as unknown as Queryable;
    for (let j = i; j < Math.min(i + 500, from + n); j++)
      await appendToOutbox(capture, 'crash-test', {
        topic: 'order',
        type: 'order.tested',
        key: `order-${j % KEYS}`,
        payload: { seq: j },
      });
    const columns = [0, 1, 2, 3, 4, 5].map((c) => rows.map((r) => r[c]));
    await w.producer.query(
      'INSERT INTO outbox (id, topic, type, version, key, envelope) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::jsonb[])',
      columns,
    );
  }
}

const effects = (w: EventsWorld): Promise<number> => count(w.consumer, 'SELECT count(*) AS n FROM effects');
const published = (w: EventsWorld): Promise<number> =>
  count(w.producer, 'SELECT count(*) AS n FROM outbox WHERE published_at IS NOT NULL');

/** Every event of the outbox had its effect exactly once, in order per key, and the group has nothing left. */
async function assertExactlyOnceInOrder(w: EventsWorld, label: string, total: number): Promise<void> {
  assert.equal(await count(w.producer, 'SELECT count(*) AS n FROM outbox'), total, `${label}: produced`);
  assert.equal(await effects(w), total, `${label}: one effect per event`);
  assert.equal(
    await count(w.consumer, 'SELECT count(DISTINCT event_id) AS n FROM effects'),
    total,
    `${label}: no event twice`,
  );
  const { rows } = await w.consumer.query<{ key: string; seq: number }>('SELECT key, seq FROM effects ORDER BY n');
  assert.equal(perKeyOrderViolation(rows), undefined, `${label}: per-key order`);
  await eventually(`${label}: lag 0`, async () => (await w.bus.lag('effects', ['order'])) === 0);
}

function processes(w: EventsWorld): { relay: () => TestProcess; consumer: () => TestProcess } {
  return {
    relay: () => spawnScript('relay', { ...w.busEnv, DATABASE_URL: w.urls.producer, RELAY_BATCH_SIZE: '200' }),
    consumer: () => spawnScript('consumer', { ...w.busEnv, DATABASE_URL: w.urls.consumer, LEASE_MS: '2000' }),
  };
}

async function killMidBatch(backend: BackendUnderTest): Promise<void> {
  const TOTAL = 10_000;
  const w = await createWorld(cluster, `k${backend.name.slice(0, 2)}`, backend.options);
  const spawn = processes(w);
  let relay = spawn.relay();
  const consumers = [spawn.consumer(), spawn.consumer()];
  try {
    // 1,000 events every 0.5 s, so the kills land while events are still coming.
    const producing = (async () => {
      for (let i = 0; i < TOTAL; i += 1000) {
        await produce(w, i, 1000);
        await sleep(500);
      }
    })();
    await eventually(`${backend.name}: relay 30% through`, async () => (await published(w)) >= 3000, 60_000);
    mark(`${backend.name}: relay killed at ${await published(w)} published`);
    await relay.kill9();
    relay = spawn.relay();
    // Duplicates straight to the bus: 500 events it already holds, published again.
    const { rows } = await w.producer.query<{ envelope: Envelope }>(
      'SELECT envelope FROM outbox WHERE published_at IS NOT NULL ORDER BY random() LIMIT 500',
    );
    const again = await w.bus.publish(
      'order',
      rows.map((r) => r.envelope),
    );
    assert.ok(
      again.every((r) => r.duplicate),
      `${backend.name}: re-published events are reported duplicate`,
    );
    await eventually(`${backend.name}: 40% of effects`, async () => (await effects(w)) >= 4000, 120_000);
    mark(`${backend.name}: consumer killed at ${await effects(w)} effects`);
    await consumers[0]!.kill9();
    consumers[0] = spawn.consumer();
    await producing;
    mark(`${backend.name}: all produced`);
    await eventually(
      `${backend.name}: all ${TOTAL} effects`,
      async () => (await effects(w)) >= TOTAL && (await published(w)) === TOTAL,
      120_000,
    );
    mark(`${backend.name}: all effects`);
    await assertExactlyOnceInOrder(w, backend.name, TOTAL);
  } catch (error) {
    throw new Error(
      `${backend.name}: ${error instanceof Error ? error.message : String(error)}\nconsumer stderr: ${consumers.map((c) => c.stderr()).join('\n')}\nrelay stderr: ${relay.stderr()}`,
      { cause: error },
    );
  } finally {
    await Promise.all([relay, ...consumers].map((p) => p.stop()));
    await w.close();
  }
}

async function downForAMinute(backend: BackendUnderTest): Promise<void> {
  const w = await createWorld(cluster, `d${backend.name.slice(0, 2)}`, backend.options);
  const spawn = processes(w);
  const relay = spawn.relay();
  let consumer = spawn.consumer();
  let produced = 0;
  const producing = new AbortController();
  // A steady 50 events/s for the whole scenario, before, during and after the downtime.
  const trickle = (async () => {
    while (!producing.signal.aborted) {
      await produce(w, produced, 5);
      produced += 5;
      await sleep(100);
    }
  })();
  try {
    await eventually(`${backend.name}: consuming`, async () => (await effects(w)) >= 50, 90_000);
    await consumer.kill9();
    const before = await effects(w);
    const publishedAtKill = await published(w);
    await sleep(DOWNTIME_MS);
    assert.equal(await effects(w), before, `${backend.name}: nothing consumed while the group was down`);
    const publishedDuring = (await published(w)) - publishedAtKill;
    const behind = await w.bus.lag('effects', ['order']);
    assert.ok(
      publishedDuring >= DOWNTIME_MS / 1000,
      `${backend.name}: events kept coming during the downtime (${publishedDuring})`,
    );
    assert.ok(
      behind >= publishedDuring,
      `${backend.name}: the group's lag (${behind}) holds every event published while it was down (${publishedDuring})`,
    );
    consumer = spawn.consumer();
    mark(`${backend.name}: restarted ${behind} behind`);
    await eventually(`${backend.name}: caught up`, async () => (await w.bus.lag('effects', ['order'])) < 50, 60_000);
    mark(`${backend.name}: caught up`);
    producing.abort();
    await trickle;
    await eventually(
      `${backend.name}: every effect`,
      async () => (await effects(w)) >= produced && (await published(w)) === produced,
      30_000,
    );
    await assertExactlyOnceInOrder(w, backend.name, produced);
  } catch (error) {
    throw new Error(
      `${backend.name}: ${error instanceof Error ? error.message : String(error)}\nconsumer stderr: ${consumer.stderr()}\nrelay stderr: ${relay.stderr()}`,
      { cause: error },
    );
  } finally {
    producing.abort();
    await trickle;
    await Promise.all([relay, consumer].map((p) => p.stop()));
    await w.close();
  }
}

// One after the other: side by side, ten processes on two cores starve each other.
test(
  '10,000 events per backend, with duplicates, a relay and a consumer SIGKILLed mid-batch: every effect once, in order per key',
  { skip: backends.length === 0 },
  async () => {
    await Promise.all(backends.map(killMidBatch));
  },
);

test(
  `a consumer group down for ${DOWNTIME_MS / 1000} s while events keep coming catches up after its restart, nothing lost`,
  { skip: backends.length === 0 },
  async () => {
    await Promise.all(backends.map(downForAMinute));
  },
);
