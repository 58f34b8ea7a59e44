// The product cache behind its one port, for each adapter (in process, Redis):
// single flight against stampedes, and a change on one instance reaching the
// other instance's cache through the outbox's notification, with no token and
// no replica involved. With CI=true a missing Redis is a failure, not a skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { ServiceApp } from '@shop/platform';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { waitFor } from '../support/launcher.ts';
import { REDIS_URL, redisSkip } from '../data/support/redis.ts';
import {
  createProduct,
  startProductService,
  startSecondInstance,
  type ProductServiceUnderTest,
} from './support/productService.ts';

const redisMissing = await redisSkip();
const PRODUCT_READ = /FROM products p WHERE p\.id = \$1/;

let cluster: TestCluster;
before(async () => {
  cluster = await startEmbeddedCluster('product-cache');
});
after(async () => {
  await cluster?.close();
});

for (const variant of [
  { cache: 'in-process', env: {} as Record<string, string>, skip: false as string | false },
  { cache: 'Redis', env: { REDIS_URL }, skip: redisMissing },
]) {
  describe(`product cache: ${variant.cache}`, { skip: variant.skip }, () => {
    let a: ProductServiceUnderTest;
    let b: { app: ServiceApp; close(): Promise<void> };
    let id: string;
    const name = async (app: ServiceApp): Promise<string> => {
      const response = await app.inject({ method: 'GET', url: `/products/${id}` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().name;
    };

    before(async () => {
      a = await startProductService(cluster.adminUrl, { env: variant.env, countQueries: PRODUCT_READ });
      b = await startSecondInstance(a);
      id = await createProduct(a, {
        sku: `CA-${randomUUID().slice(0, 8).toUpperCase()}`,
        name: 'Kettle',
        brand: 'Tefal',
        category: 'home',
        priceMinor: 2999,
        stock: 4,
      });
      // The creation's own invalidation notice is on its way; let it land before
      // the first read, or it drops the entry that read fills and a second load follows.
      await sleep(500);
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    test('50 concurrent misses on one product cause one database read; hits cause none', async () => {
      a.counted.n = 0;
      const names = await Promise.all(Array.from({ length: 50 }, () => name(a.app)));
      assert.ok(names.every((n) => n === 'Kettle'));
      assert.equal(a.counted.n, 1);
      await Promise.all(Array.from({ length: 10 }, () => name(a.app)));
      assert.equal(a.counted.n, 1);
    });

    test('a PATCH on one instance reaches the cache of the other, without any token', async () => {
      assert.equal(await name(b.app), 'Kettle', 'the other instance has it cached');
      const patched = await a.app.inject({
        method: 'PATCH',
        url: `/products/${id}`,
        headers: await a.auth('admin'),
        payload: { name: 'Electric Kettle' },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      await waitFor(
        'the other instance to drop its old entry',
        async () => ((await name(b.app)) === 'Electric Kettle' ? true : undefined),
        2000,
      );
    });

    test('a DELETE on one instance is a 404 on the other', async () => {
      assert.equal(await name(b.app), 'Electric Kettle');
      const deleted = await a.app.inject({ method: 'DELETE', url: `/products/${id}`, headers: await a.auth('admin') });
      assert.equal(deleted.statusCode, 204);
      assert.equal((await b.app.inject({ method: 'GET', url: `/products/${id}` })).statusCode, 404);
    });
  });
}

// Search pages: a repeated search is answered from the instance's page cache,
// any product change (on any instance) clears it, and a caller with a
// read-your-writes floor never gets a cached page.
describe('search page cache', () => {
  const FACETS = /GROUPING SETS/;
  let a: ProductServiceUnderTest;
  let b: { app: ServiceApp; close(): Promise<void> };
  let id: string;
  const brand = `Brand${randomUUID().slice(0, 6)}`;
  const names = async (app: ServiceApp, headers: Record<string, string> = {}): Promise<string[]> => {
    const response = await app.inject({ method: 'GET', url: `/products?brand=${brand}&sort=name`, headers });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json().items as Array<{ name: string }>).map((item) => item.name);
  };

  before(async () => {
    a = await startProductService(cluster.adminUrl, {
      countQueries: FACETS,
      env: { PRODUCT_SEARCH_CACHE_TTL_MS: '60000' },
    });
    b = await startSecondInstance(a, { PRODUCT_SEARCH_CACHE_TTL_MS: 60_000 });
    id = await createProduct(a, {
      sku: `SC-${randomUUID().slice(0, 8).toUpperCase()}`,
      name: 'Teapot',
      brand,
      category: 'home',
      priceMinor: 1999,
      stock: 3,
    });
    await sleep(500);
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  test('20 identical searches at once run the search once; a repeat runs none; another page size runs again', async () => {
    a.counted.n = 0;
    const pages = await Promise.all(Array.from({ length: 20 }, () => names(a.app)));
    assert.ok(
      pages.every((p) => p.join() === 'Teapot'),
      JSON.stringify(pages),
    );
    assert.equal(a.counted.n, 1);
    await names(a.app);
    assert.equal(a.counted.n, 1);
    const other = await a.app.inject({ method: 'GET', url: `/products?brand=${brand}&sort=name&limit=5` });
    assert.equal(other.statusCode, 200);
    assert.equal(a.counted.n, 2);
  });

  test("a PATCH on the other instance clears this one's pages: the new name is searchable at once, not after the TTL", async () => {
    assert.deepEqual(await names(a.app), ['Teapot']);
    const patched = await b.app.inject({
      method: 'PATCH',
      url: `/products/${id}`,
      headers: await a.auth('admin'),
      payload: { name: 'Glass Teapot' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    await waitFor(
      'the new name in search',
      async () => ((await names(a.app)).join() === 'Glass Teapot' ? true : undefined),
      2000,
    );
  });

  test('a caller carrying a consistency token searches past the cache', async () => {
    const patched = await a.app.inject({
      method: 'PATCH',
      url: `/products/${id}`,
      headers: await a.auth('admin'),
      payload: { priceMinor: 2099 },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const token = patched.headers['x-consistency-token'];
    assert.equal(typeof token, 'string');
    await sleep(300);
    await names(a.app);
    a.counted.n = 0;
    await names(a.app);
    assert.equal(a.counted.n, 0, 'a page is cached');
    await names(a.app, { 'x-consistency-token': String(token) });
    assert.equal(a.counted.n, 1, 'the token holder searched the database');
  });
});
