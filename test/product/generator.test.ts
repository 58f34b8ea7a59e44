// The demo catalog generator on a real PostgreSQL: 10,000 products on an
// empty database, the same catalog from the same seed, seeded once when two
// instances start together.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from '@shop/data';
import { generateProducts } from '@shop/product-service';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startProductService, startSecondInstance } from './support/productService.ts';

let cluster: TestCluster;

before(async () => {
  cluster = await startEmbeddedCluster('product-generator');
});
after(async () => {
  await cluster?.close();
});

async function firstSkus(db: Database, n: number): Promise<Array<{ sku: string; id: string }>> {
  const { rows } = await db.query<{ sku: string; id: string }>(
    `SELECT sku, id FROM products ORDER BY created_at, sku LIMIT ${n}`,
  );
  return rows;
}

test('fills an empty catalog with 10,000 products and their stock, searchable at once', async () => {
  const service = await startProductService(cluster.adminUrl, {
    env: { CATALOG_SEED_COUNT: '10000', CATALOG_SEED: '42' },
  });
  try {
    const { rows } = await service.db.query<{ products: number; stocked: number; categories: number; brands: number }>(
      'SELECT (SELECT count(*)::int FROM products) AS products, (SELECT count(*)::int FROM inventory) AS stocked, (SELECT count(DISTINCT category)::int FROM products) AS categories, (SELECT count(DISTINCT brand)::int FROM products) AS brands',
    );
    assert.deepEqual(rows[0], { products: 10_000, stocked: 10_000, categories: 8, brands: rows[0]!.brands });
    assert.ok(rows[0].brands >= 40);
    const search = await service.app.inject({
      method: 'GET',
      url: '/products?q=heaphones&category=electronics&limit=5',
    });
    assert.equal(search.statusCode, 200);
    const page = search.json();
    assert.equal(page.items.length, 5);
    assert.ok(
      page.items.every((i: { name: string }) => /Headphones/.test(i.name)),
      JSON.stringify(page.items.map((i: { name: string }) => i.name)),
    );
    // Fresh from the seed, a search uses its indexes: the seed vacuumed and analyzed what it
    // filled (without, the planner has no statistics and scans every row, 60 ms instead of 3).
    const plan = await service.db.query<{ 'QUERY PLAN': unknown }>(
      "EXPLAIN (FORMAT JSON) SELECT p.id FROM products p WHERE p.search @@ websearch_to_tsquery('english', 'headphones') OR 'headphones' <% p.name OR 'headphones' <% p.brand",
    );
    const shape = JSON.stringify(plan.rows[0]!['QUERY PLAN']);
    assert.doesNotMatch(shape, /"Seq Scan"/, shape);
    assert.match(shape, /products_search/, shape);
    // A restart on a full catalog adds nothing.
    const again = await startSecondInstance(service);
    await again.app.ready();
    await again.close();
    const count = await service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM products');
    assert.equal(count.rows[0]!.n, 10_000);
  } finally {
    await service.close();
  }
});

test('the same seed gives the same catalog on another database', async () => {
  const a = await startProductService(cluster.adminUrl, { env: { CATALOG_SEED_COUNT: '300', CATALOG_SEED: '99' } });
  const b = await startProductService(cluster.adminUrl, { env: { CATALOG_SEED_COUNT: '300', CATALOG_SEED: '99' } });
  const c = await startProductService(cluster.adminUrl, { env: { CATALOG_SEED_COUNT: '300', CATALOG_SEED: '100' } });
  try {
    const first = await firstSkus(a.db, 50);
    assert.deepEqual(await firstSkus(b.db, 50), first);
    assert.deepEqual(
      first,
      generateProducts(99, 0, 50).map((p) => ({ sku: p.sku, id: p.id })),
    );
    assert.notDeepEqual(await firstSkus(c.db, 50), first);
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

test('two instances starting together seed the catalog once', async () => {
  const first = await startProductService(cluster.adminUrl);
  try {
    const x = await startSecondInstance(first, { CATALOG_SEED_COUNT: 500 });
    const y = await startSecondInstance(first, { CATALOG_SEED_COUNT: 500 });
    await Promise.all([x.app.ready(), y.app.ready()]);
    await Promise.all([x.close(), y.close()]);
    const { rows } = await first.db.query<{ n: number }>('SELECT count(*)::int AS n FROM products');
    assert.equal(rows[0]!.n, 500);
  } finally {
    await first.close();
  }
});
