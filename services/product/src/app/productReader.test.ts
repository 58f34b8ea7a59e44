import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '@shop/data';
import { createMemoryCache } from '../adapters/memoryCache.ts';
import type { Product } from '../domain/product.ts';
import { createProductReader } from './productReader.ts';

const id = '0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';

/** A database double: product reads wait for `release()`, and return the current name. */
function fakeDb() {
  let name = 'v1';
  let productReads = 0;
  let gate = Promise.withResolvers<void>();
  const db = {
    query: async (text: string) => {
      if (text.includes('FROM inventory')) return { rows: [{ on_hand: 3, reserved: 1 }] };
      productReads += 1;
      const snapshot = name;
      await gate.promise;
      const row = { id, sku: 'SKU-1', name: snapshot, brand: 'b', category: 'c', description: '', attributes: {}, price_minor: 100, currency: 'USD', images: [], created_at: new Date(0), updated_at: new Date(0) };
      return { rows: [row] };
    },
  } as unknown as Queryable;
  return {
    db,
    reads: () => productReads,
    rename: (next: string) => (name = next),
    release: () => gate.resolve(),
    hold: () => (gate = Promise.withResolvers<void>()),
  };
}

test('concurrent misses share one read; hits read nothing', async () => {
  const fake = fakeDb();
  const reader = createProductReader({ db: fake.db, cache: createMemoryCache<Product>(), ttlSeconds: 60 });
  const pending = Array.from({ length: 10 }, () => reader.get(id));
  fake.release();
  const results = await Promise.all(pending);
  assert.equal(fake.reads(), 1);
  assert.ok(results.every((p) => p?.name === 'v1' && p.availability.inStock === 2));
  await reader.get(id);
  assert.equal(fake.reads(), 1);
});

test('a load that started before an invalidation does not write its stale row back', async () => {
  const fake = fakeDb();
  const reader = createProductReader({ db: fake.db, cache: createMemoryCache<Product>(), ttlSeconds: 60 });
  const stale = reader.get(id);
  await new Promise((resolve) => setImmediate(resolve));
  fake.rename('v2');
  await reader.invalidate(id);
  fake.release();
  assert.equal((await stale)?.name, 'v1');
  assert.equal((await reader.get(id))?.name, 'v2');
  assert.equal(fake.reads(), 2);
});
