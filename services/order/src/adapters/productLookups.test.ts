import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProductInfo, ProductPort } from '../domain/ports.ts';
import { rememberLookups } from './productLookups.ts';

function countingPort(answer: (id: string) => Promise<ProductInfo | undefined>): ProductPort & { calls: number } {
  const port = {
    calls: 0,
    getProduct: (id: string) => {
      port.calls += 1;
      return answer(id);
    },
    reserve: () => Promise.reject(new Error('unused')),
    commit: () => Promise.reject(new Error('unused')),
    release: () => Promise.reject(new Error('unused')),
  };
  return port;
}
const info = (id: string, priceMinor = 100): ProductInfo => ({
  id,
  name: `P ${id}`,
  priceMinor,
  currency: 'EUR',
  available: true,
});

test('a product found is remembered until the TTL passes, then asked again', async () => {
  let clock = 0;
  let price = 100;
  const port = countingPort((id) => Promise.resolve(info(id, price)));
  const lookups = rememberLookups(port, { ttlMs: 1000, now: () => clock });
  assert.equal((await lookups.getProduct('a'))?.priceMinor, 100);
  price = 200;
  clock = 999;
  assert.equal((await lookups.getProduct('a'))?.priceMinor, 100);
  assert.equal(port.calls, 1);
  clock = 1000;
  assert.equal((await lookups.getProduct('a'))?.priceMinor, 200);
  assert.equal(port.calls, 2);
});

test('concurrent lookups of one product make one call', async () => {
  const port = countingPort((id) => new Promise((resolve) => setTimeout(() => resolve(info(id)), 20)));
  const lookups = rememberLookups(port, { ttlMs: 1000 });
  const answers = await Promise.all(Array.from({ length: 10 }, () => lookups.getProduct('a')));
  assert.ok(answers.every((a) => a?.id === 'a'));
  assert.equal(port.calls, 1);
});

test('a missing product and a failed lookup are not remembered', async () => {
  let fail = true;
  const port = countingPort((id) =>
    id === 'gone' ? Promise.resolve(undefined) : fail ? Promise.reject(new Error('down')) : Promise.resolve(info(id)),
  );
  const lookups = rememberLookups(port, { ttlMs: 60_000 });
  assert.equal(await lookups.getProduct('gone'), undefined);
  assert.equal(await lookups.getProduct('gone'), undefined);
  await assert.rejects(lookups.getProduct('a'), /down/);
  fail = false;
  assert.equal((await lookups.getProduct('a'))?.id, 'a');
  assert.equal(port.calls, 4);
});

test('a TTL of 0 passes every lookup through', async () => {
  const port = countingPort((id) => Promise.resolve(info(id)));
  const lookups = rememberLookups(port, { ttlMs: 0 });
  await lookups.getProduct('a');
  await lookups.getProduct('a');
  assert.equal(port.calls, 2);
});
