// Hostile input at every order route, with what api.test.ts's property does
// not send: odd UUID spellings, deadline and consistency headers, prototype
// keys, deep nesting and bodies at the size limit; and Bob reaching for
// Alice's cart, orders and idempotency keys. Real PostgreSQL; test doubles
// for the product and payment services.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startOrderService, type OrderServiceUnderTest } from '../order/support/orderService.ts';
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
let svc: OrderServiceUnderTest;
let alice: { authorization: string };
let bob: { authorization: string };
let aliceOrder: string;
let aliceProduct: string;
const aliceId = '0190d000-0000-7000-8000-00000000a11c';
const bobId = '0190d000-0000-7000-8000-000000000b0b';

before(async () => {
  cluster = await startEmbeddedCluster('hostile-order');
  svc = await startOrderService(cluster.adminUrl);
  alice = await svc.auth({ userId: aliceId });
  bob = await svc.auth({ userId: bobId });
  const bought = svc.product.add({ name: 'Bought' });
  await put(alice, bought.id, 2);
  const placed = await svc.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...alice, 'idempotency-key': 'alice-key-1' },
    payload: {},
  });
  assert.equal(placed.statusCode, 201, placed.body);
  aliceOrder = placed.json().id;
  aliceProduct = svc.product.add({ name: 'In the cart' }).id;
  await put(alice, aliceProduct, 3);
});
after(async () => {
  await svc.close();
  await cluster.close();
});

async function put(headers: { authorization: string }, productId: string, quantity: number): Promise<void> {
  const response = await svc.app.inject({
    method: 'PUT',
    url: `/orders/cart/items/${productId}`,
    headers,
    payload: { quantity },
  });
  assert.equal(response.statusCode, 200, response.body);
}

const snapshot = () => snapshotTables(svc.db);

test('property: hostile requests at every order route never 5xx, and a refusal changes no table', async (t) => {
  const ids = [aliceOrder, aliceProduct];
  const bobsProduct = svc.product.add({ name: "Bob's" }).id;
  const routes: RouteSpec[] = [
    { method: 'GET', path: fc.constant('/orders/cart') },
    {
      method: 'PUT',
      path: pathSegment([...ids, bobsProduct]).map((s) => `/orders/cart/items/${s}`),
      body: { quantity: 1 },
    },
    { method: 'PUT', path: fc.constant(`/orders/cart/items/${bobsProduct}`), body: { quantity: 1 } },
    { method: 'DELETE', path: pathSegment(ids).map((s) => `/orders/cart/items/${s}`) },
    { method: 'POST', path: fc.constant('/orders'), body: { paymentMethod: 'pm_card_visa' } },
    { method: 'GET', path: fc.constant('/orders'), query: ['limit', 'cursor'] },
    { method: 'GET', path: pathSegment(ids).map((s) => `/orders/${s}`) },
    {
      method: 'GET',
      path: fc.constantFrom(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        '/orders/cart/items',
        '/orders/cart/items/',
        '/orders//cart',
      ),
    },
  ];
  const tally = await assertNoHarm(svc.app, hostileRequests(routes, { tokens: [bob.authorization], ids }), {
    numRuns: 100,
    snapshot,
  });
  t.diagnostic(`statuses: ${tally.toString()}`);
  assert.ok(
    tally.count((s) => s < 300) > 0 && tally.count((s) => s === 400) > 0,
    `reached handlers and validation: ${tally.toString()}`,
  );
});

test('bodies at the size limit: just under is a 400 naming the field, just over a 413; neither changes anything', async () => {
  const before = await snapshot();
  const headers = { ...bob, 'content-type': 'application/json', 'idempotency-key': 'bob-limit-key' };
  await assertBodyLimits(
    svc.app,
    [
      { method: 'POST', url: '/orders', headers },
      { method: 'PUT', url: `/orders/cart/items/${aliceProduct}`, headers },
    ],
    bodiesNearLimit(svc.config.BODY_LIMIT_BYTES, 'paymentMethod'),
  );
  assert.deepEqual(await snapshot(), before);
});

test('ids that ajv calls a uuid and PostgreSQL does not (urn:uuid:) are a 400 or 404, never a 500', async () => {
  const before = await snapshot();
  const failures: string[] = [];
  for (const [method, url] of [
    ['GET', `/orders/urn:uuid:${aliceOrder}`],
    ['PUT', `/orders/cart/items/urn:uuid:${aliceProduct}`],
    ['DELETE', `/orders/cart/items/urn:uuid:${aliceProduct}`],
  ] as const) {
    try {
      assertWellRefused(
        await svc.app.inject({ method, url, headers: bob, ...(method === 'PUT' ? { payload: { quantity: 1 } } : {}) }),
        `${method} ${url}`,
      );
    } catch (error) {
      failures.push((error as Error).message.split('\n')[0]!);
    }
  }
  assert.deepEqual(await snapshot(), before);
  assert.deepEqual(failures, []);
});

test("cross-user: Mallory gets 404 or 403 for Alice's order, only his own cart and orders, and Alice's key replays nothing of hers", async () => {
  const mallory = await svc.auth();
  const before = await snapshot();
  const aliceCart = (await svc.app.inject({ method: 'GET', url: '/orders/cart', headers: alice })).json();
  for (const url of [`/orders/${aliceOrder}`, `/orders/${aliceOrder.toUpperCase()}`]) {
    const peek = await svc.app.inject({ method: 'GET', url, headers: mallory });
    assert.ok(peek.statusCode === 404 || peek.statusCode === 403, `${url} -> ${peek.statusCode}`);
    assertWellRefused(peek, url);
  }
  // A user id in the query is not a way in: it is refused, never honoured.
  for (const url of [`/orders?userId=${aliceId}`, `/orders?user_id=${aliceId}`, `/orders/cart?userId=${aliceId}`]) {
    const listed = await svc.app.inject({ method: 'GET', url, headers: mallory });
    assertWellRefused(listed, url);
    assert.ok(
      !listed.body.includes(aliceOrder) && !listed.body.includes(aliceProduct),
      `${url} showed Mallory Alice's data: ${listed.body}`,
    );
  }
  assert.deepEqual((await svc.app.inject({ method: 'GET', url: '/orders', headers: mallory })).json().items, []);
  assert.deepEqual((await svc.app.inject({ method: 'GET', url: '/orders/cart', headers: mallory })).json().items, []);
  // Alice's key with Mallory's (empty) cart: his own refusal, not her stored order.
  const reused = await svc.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...mallory, 'idempotency-key': 'alice-key-1' },
    payload: {},
  });
  assertWellRefused(reused, "POST /orders with Alice's idempotency key");
  assert.equal(reused.statusCode, 422, reused.body);
  assert.ok(!reused.body.includes(aliceOrder), "Alice's order id did not leak");
  assert.equal(reused.headers['idempotent-replayed'], undefined);
  // Removing a line from one's own cart never touches Alice's.
  assert.equal(
    (await svc.app.inject({ method: 'DELETE', url: `/orders/cart/items/${aliceProduct}`, headers: mallory }))
      .statusCode,
    204,
  );
  assert.deepEqual((await svc.app.inject({ method: 'GET', url: '/orders/cart', headers: alice })).json(), aliceCart);
  assert.equal(
    (await svc.app.inject({ method: 'GET', url: `/orders/${aliceOrder}`, headers: alice })).statusCode,
    200,
    'control: Alice sees her order',
  );
  assert.deepEqual(await snapshot(), before);
});
