// Hostile input at every product route catalog.test.ts's properties do not
// reach: one product (read, patch, delete), the reservations by id (read,
// commit, release), the platform routes, and the search and writes again
// with hostile headers (tokens, consistency tokens, deadlines). The catalog is
// public and its writes are admin-only (catalog.test.ts: 401 and 403), so it
// has no user-owned data to reach across. Real PostgreSQL; the sweeper is
// slowed so that nothing changes a table but the requests themselves.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { createProduct, startProductService, type ProductServiceUnderTest } from '../product/support/productService.ts';
import {
  assertBodyLimits,
  assertNoHarm,
  assertWellRefused,
  bodiesNearLimit,
  hostileRequests,
  pathSegment,
  snapshotTables,
  type RouteSpec,
} from './support.ts';

let cluster: TestCluster;
let svc: ProductServiceUnderTest;
const products: string[] = [];
const reservations: string[] = [];

before(async () => {
  cluster = await startEmbeddedCluster('hostile-product');
  svc = await startProductService(cluster.adminUrl, { env: { RESERVATION_SWEEP_INTERVAL_MS: '600000' } });
  for (const sku of ['HX-P-1', 'HX-P-2', 'HX-P-3'])
    products.push(
      await createProduct(svc, {
        sku,
        name: `Hostile ${sku}`,
        brand: 'Acme',
        category: 'tools',
        priceMinor: 1000,
        stock: 50,
      }),
    );
  for (const productId of products.slice(0, 2)) {
    const reservationId = randomUUID();
    const held = await svc.app.inject({
      method: 'POST',
      url: '/inventory/reservations',
      payload: { reservationId, items: [{ productId, quantity: 1 }], ttlSeconds: 3600 },
    });
    assert.equal(held.statusCode, 201, held.body);
    reservations.push(reservationId);
  }
});
after(async () => {
  await svc.close();
  await cluster.close();
});

const snapshot = () => snapshotTables(svc.db);

test('property: hostile requests at every product and inventory route never 5xx, and a refusal changes no table', async (t) => {
  const ids = [...products, ...reservations];
  const admin = (await svc.auth('admin')).authorization;
  const customer = (await svc.auth('customer')).authorization;
  const patch = { name: 'Renamed', priceMinor: 1200, attributes: { colour: 'red' } };
  const reserve = { reservationId: randomUUID(), items: [{ productId: products[2]!, quantity: 1 }], ttlSeconds: 3600 };
  const routes: RouteSpec[] = [
    {
      method: 'GET',
      path: fc.constant('/products'),
      query: ['q', 'category', 'brand', 'minPrice', 'maxPrice', 'sort', 'limit', 'cursor'],
    },
    { method: 'GET', path: pathSegment(ids).map((s) => `/products/${s}`) },
    { method: 'PATCH', path: pathSegment(ids).map((s) => `/products/${s}`), body: patch },
    { method: 'PATCH', path: fc.constantFrom(...products).map((id) => `/products/${id}`), body: patch },
    { method: 'DELETE', path: pathSegment(ids).map((s) => `/products/${s}`) },
    {
      method: 'POST',
      path: fc.constant('/products'),
      body: { sku: 'HX-NEW-1', name: 'New', brand: 'Acme', category: 'tools', priceMinor: 100, currency: 'USD' },
    },
    { method: 'POST', path: fc.constant('/inventory/reservations'), body: reserve },
    { method: 'GET', path: pathSegment(ids).map((s) => `/inventory/reservations/${s}`) },
    {
      method: 'POST',
      path: fc
        .tuple(pathSegment(ids), fc.constantFrom('commit', 'release'))
        .map(([s, end]) => `/inventory/reservations/${s}/${end}`),
    },
    {
      method: 'GET',
      path: fc.constantFrom(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        '/products/',
        '/inventory',
        '/inventory/reservations',
        '/inventory/reservations//commit',
      ),
    },
  ];
  const tally = await assertNoHarm(svc.app, hostileRequests(routes, { tokens: [admin, admin, customer], ids }), {
    numRuns: 100,
    snapshot,
  });
  t.diagnostic(`statuses: ${tally.toString()}`);
  assert.ok(
    tally.count((s) => s < 300) > 0 && tally.count((s) => s === 400) > 0,
    `reached handlers and validation: ${tally.toString()}`,
  );
});

test('ids that ajv calls a uuid and PostgreSQL does not (urn:uuid:) are refused with a 4xx', async () => {
  const admin = await svc.auth('admin');
  const id = products[0]!;
  const before = await snapshot();
  const cases = [
    { method: 'GET' as const, url: `/products/urn:uuid:${id}` },
    { method: 'PATCH' as const, url: `/products/urn:uuid:${id}`, headers: admin, payload: { name: 'x' } },
    { method: 'DELETE' as const, url: `/products/urn:uuid:${id}`, headers: admin },
    { method: 'GET' as const, url: `/inventory/reservations/urn:uuid:${reservations[0]!}` },
    { method: 'POST' as const, url: `/inventory/reservations/urn:uuid:${reservations[0]!}/commit` },
    {
      method: 'POST' as const,
      url: '/inventory/reservations',
      payload: { reservationId: `urn:uuid:${randomUUID()}`, items: [{ productId: id, quantity: 1 }] },
    },
  ];
  for (const c of cases) {
    const response = await svc.app.inject(c);
    assertWellRefused(response, `${c.method} ${c.url}`);
    assert.equal(response.statusCode, 400, `${c.method} ${c.url}`);
  }
  assert.deepEqual(await snapshot(), before);
});

test("an admin's bodies at the size limit: just under is a 400, just over a 413; neither changes anything", async () => {
  const admin = await svc.auth('admin');
  const before = await snapshot();
  const headers = { ...admin, 'content-type': 'application/json' };
  await assertBodyLimits(
    svc.app,
    [
      { method: 'PATCH', url: `/products/${products[0]!}`, headers },
      { method: 'POST', url: '/products', headers },
    ],
    bodiesNearLimit(svc.config.BODY_LIMIT_BYTES, 'description'),
  );
  assert.deepEqual(await snapshot(), before);
});
