import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryCache } from './memoryCache.ts';

test('entries expire after their TTL', async () => {
  let clock = 0;
  const cache = createMemoryCache<string>({ now: () => clock });
  await cache.set('a', 'x', 10);
  clock = 9_999;
  assert.equal(await cache.get('a'), 'x');
  clock = 10_000;
  assert.equal(await cache.get('a'), undefined);
});

test('the least recently used entry is evicted first', async () => {
  const cache = createMemoryCache<number>({ maxEntries: 2 });
  await cache.set('a', 1, 60);
  await cache.set('b', 2, 60);
  await cache.get('a');
  await cache.set('c', 3, 60);
  assert.equal(await cache.get('b'), undefined);
  assert.equal(await cache.get('a'), 1);
  assert.equal(await cache.get('c'), 3);
  assert.equal(cache.size(), 2);
});

test('delete removes an entry', async () => {
  const cache = createMemoryCache<number>();
  await cache.set('a', 1, 60);
  await cache.delete('a');
  assert.equal(await cache.get('a'), undefined);
});
