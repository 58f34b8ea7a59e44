import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyTracker, MemoryCache, parseLsn, type Queryable, type ReadSource, type Reads } from '@shop/data';
import { createProductReader } from './productReader.ts';

const id = '0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';

function row(name: string) {
  return {
    id,
    sku: 'SKU-1',
    name,
    brand: 'b',
    category: 'c',
    description: '',
    attributes: {},
    price_minor: 100,
    currency: 'USD',
    images: [],
    created_at: new Date(0),
    updated_at: new Date(0),
  };
}

/**
 * A primary and one replica at `replayed`: the replica serves a read when it
 * is at or past its minLsn and holds `replicaName` (or no row). Product reads
 * wait for `release()`.
 */
function fakeDatabases() {
  const state = {
    primaryName: 'v1' as string | undefined,
    replicaName: 'v1' as string | undefined,
    replayed: '0/100',
    productReads: [] as Array<{ target: string; minLsn: string | undefined }>,
  };
  let gate = Promise.withResolvers<void>();
  gate.resolve();
  const table = (name: () => string | undefined, target: string, minLsn?: string): Queryable =>
    ({
      query: async (text: string) => {
        if (text.includes('FROM inventory')) return { rows: name() === undefined ? [] : [{ on_hand: 3, reserved: 1 }] };
        state.productReads.push({ target, minLsn });
        const snapshot = name();
        await gate.promise;
        return { rows: snapshot === undefined ? [] : [row(snapshot)] };
      },
    }) as unknown as Queryable;
  const primary = table(() => state.primaryName, 'primary');
  const reads: Reads = {
    read: () => Promise.reject(new Error('not used')),
    withReader: <T>(work: (q: Queryable, source: ReadSource) => Promise<T>, options: { minLsn?: string } = {}) => {
      const onReplica = options.minLsn === undefined || parseLsn(state.replayed) >= parseLsn(options.minLsn);
      return onReplica
        ? work(
            table(() => state.replicaName, 'replica', options.minLsn),
            { target: 'replica', position: state.replayed },
          )
        : work(
            table(() => state.primaryName, 'primary', options.minLsn),
            { target: 'primary', position: options.minLsn },
          );
    },
  };
  return {
    state,
    reads,
    primary,
    hold: () => (gate = Promise.withResolvers<void>()),
    release: () => gate.resolve(),
  };
}

function readerOver(fake: ReturnType<typeof fakeDatabases>) {
  return createProductReader({
    reads: fake.reads,
    primary: fake.primary,
    cache: new MemoryCache(),
    ttlMs: 60_000,
    changes: new ConsistencyTracker(),
  });
}

test('concurrent misses share one read; hits read nothing', async () => {
  const fake = fakeDatabases();
  const reader = readerOver(fake);
  fake.hold();
  const pending = Array.from({ length: 10 }, () => reader.get(id));
  fake.release();
  const results = await Promise.all(pending);
  assert.equal(fake.state.productReads.length, 1);
  assert.ok(results.every((p) => p?.name === 'v1' && p.availability.inStock === 2));
  await reader.get(id);
  assert.equal(fake.state.productReads.length, 1);
});

test('a load that started before an invalidation does not write its stale row back', async () => {
  const fake = fakeDatabases();
  const reader = readerOver(fake);
  fake.hold();
  const stale = reader.get(id);
  await new Promise((resolve) => setImmediate(resolve));
  fake.state.replicaName = 'v2';
  await reader.invalidate(id);
  fake.release();
  assert.equal((await stale)?.name, 'v1');
  assert.equal((await reader.get(id))?.name, 'v2');
  assert.equal(fake.state.productReads.length, 2);
});

test("a caller whose floor is past the cached entry's position reads again, from the primary while the replica is behind", async () => {
  const fake = fakeDatabases();
  const reader = readerOver(fake);
  assert.equal((await reader.get(id))?.name, 'v1');
  fake.state.primaryName = 'v2'; // written at 0/200; the replica is still at 0/100
  assert.equal((await reader.get(id, '0/200'))?.name, 'v2');
  assert.deepEqual(fake.state.productReads.at(-1), { target: 'primary', minLsn: '0/200' });
  assert.equal((await reader.get(id, '0/200'))?.name, 'v2', 'the refill is labelled with the floor it was read at');
  assert.equal(fake.state.productReads.length, 2);
});

test('after a change heard of with its position, no refill comes from a replica behind it', async () => {
  const fake = fakeDatabases();
  const reader = readerOver(fake);
  await reader.get(id);
  fake.state.primaryName = 'v2';
  await reader.invalidate(id, '0/200');
  assert.equal((await reader.get(id))?.name, 'v2', 'an anonymous reader too');
  fake.state.replayed = '0/200';
  fake.state.replicaName = 'v2';
  await reader.invalidate(id, '0/200');
  await reader.get(id);
  assert.deepEqual(
    fake.state.productReads.at(-1),
    { target: 'replica', minLsn: '0/200' },
    'once it has caught up, the replica serves',
  );
});

test('a product missing on a replica that is behind is looked for on the primary', async () => {
  const fake = fakeDatabases();
  fake.state.replicaName = undefined; // created on the primary, not replayed yet
  const reader = readerOver(fake);
  assert.equal((await reader.get(id))?.name, 'v1');
  fake.state.primaryName = undefined;
  await reader.invalidate(id);
  assert.equal(await reader.get(id), undefined);
});
