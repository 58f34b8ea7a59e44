// The order service's public API besides the saga: cart, history, who may see
// what, and hostile input. Real PostgreSQL; TEST DOUBLES for product and payment.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startOrderService, type OrderServiceUnderTest } from './support/orderService.ts';

let cluster: TestCluster;
let svc: OrderServiceUnderTest;

before(async () => {
  cluster = await startEmbeddedCluster('order-api');
  svc = await startOrderService(cluster.adminUrl);
});
after(async () => {
  await svc.close();
  await cluster.close();
});

const put = (headers: Record<string, string>, productId: string, quantity: unknown) =>
  svc.app.inject({ method: 'PUT', url: `/orders/cart/items/${productId}`, headers, payload: { quantity } });

test('cart: add, change, view with prices and total, remove', async () => {
  const headers = await svc.auth();
  const a = svc.product.add({ priceMinor: 300, name: 'Apple' });
  const b = svc.product.add({ priceMinor: 1000, name: 'Basket' });
  assert.equal((await put(headers, a.id, 2)).statusCode, 200);
  assert.equal((await put(headers, b.id, 1)).statusCode, 200);
  const changed = await put(headers, a.id, 5);
  assert.equal(changed.statusCode, 200);
  const cart = changed.json();
  assert.deepEqual(
    cart.items.map((i: any) => [i.productId, i.quantity, i.name, i.unitPriceMinor]),
    [
      [a.id, 5, 'Apple', 300],
      [b.id, 1, 'Basket', 1000],
    ],
  );
  assert.equal(cart.totalMinor, 2500);
  assert.equal(cart.currency, 'USD');
  const stored = await svc.app.inject({ method: 'GET', url: '/orders/cart', headers });
  assert.deepEqual(stored.json(), cart, 'the cart a change answers with is the cart as stored');
  const removed = await svc.app.inject({ method: 'DELETE', url: `/orders/cart/items/${a.id}`, headers });
  assert.equal(removed.statusCode, 204);
  const view = await svc.app.inject({ method: 'GET', url: '/orders/cart', headers });
  assert.deepEqual(
    view.json().items.map((i: any) => i.productId),
    [b.id],
  );
});

test('cart: unknown product 404, unavailable 422, quantity out of range 400, the 51st line 422', async () => {
  const headers = await svc.auth();
  assert.equal((await put(headers, randomUUID(), 1)).statusCode, 404);
  assert.equal((await put(headers, svc.product.add({ available: false }).id, 1)).statusCode, 422);
  const p = svc.product.add();
  for (const q of [0, 101, 1.5, '2', null])
    assert.equal((await put(headers, p.id, q)).statusCode, 400, `quantity ${String(q)}`);
  const ids = Array.from({ length: 50 }, () => svc.product.add().id);
  const results = await Promise.all(ids.map((id) => put(headers, id, 1)));
  assert.ok(results.every((r) => r.statusCode === 200));
  const over = await put(headers, svc.product.add().id, 1);
  assert.equal(over.statusCode, 422);
  assert.equal((await put(headers, ids[0]!, 7)).statusCode, 200, 'changing an existing line is fine at the cap');
  const { rows } = await svc.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM cart_items WHERE user_id = (SELECT user_id FROM cart_items WHERE product_id = $1)',
    [ids[0]],
  );
  assert.equal(rows[0]!.n, 50);
});

test('cart: with the product service down, the cart is still shown: lines looked up within CART_PRODUCT_TTL_MS keep their prices, the rest degrade; adding answers 503', async () => {
  const userId = randomUUID();
  const headers = await svc.auth({ userId });
  const p = svc.product.add({ priceMinor: 999 });
  await put(headers, p.id, 3);
  // A line this instance never looked up (another instance added it).
  const q = svc.product.add({ priceMinor: 500 });
  await svc.db.query('INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, 1)', [userId, q.id]);
  svc.product.down = true;
  try {
    const view = await svc.app.inject({ method: 'GET', url: '/orders/cart', headers });
    assert.equal(view.statusCode, 200);
    const items = view.json().items as Array<{ productId: string; quantity: number; unitPriceMinor?: number }>;
    assert.deepEqual(
      items.map((i) => [i.productId, i.quantity, i.unitPriceMinor]).sort(),
      [
        [p.id, 3, 999],
        [q.id, 1, undefined],
      ].sort(),
    );
    assert.equal(view.json().degraded, true);
    assert.equal(view.json().totalMinor, undefined);
    const add = await put(headers, svc.product.add().id, 1);
    assert.equal(add.statusCode, 503);
    assert.equal(add.json().code, 'DEPENDENCY_UNAVAILABLE');
  } finally {
    svc.product.down = false;
  }
});

test('orders: history newest first with a keyset cursor; other users get 404; admins see all', async () => {
  const userId = randomUUID();
  const headers = await svc.auth({ userId });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    await put(headers, svc.product.add().id, 1);
    const res = await svc.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...headers, 'idempotency-key': randomUUID() },
    });
    assert.equal(res.statusCode, 201);
    ids.push(res.json().id);
  }
  const page1 = await svc.app.inject({ method: 'GET', url: '/orders?limit=2', headers });
  assert.equal(page1.statusCode, 200);
  assert.deepEqual(
    page1.json().items.map((o: any) => o.id),
    [ids[2], ids[1]],
  );
  const cursor = page1.json().nextCursor;
  assert.equal(typeof cursor, 'string');
  const page2 = await svc.app.inject({ method: 'GET', url: `/orders?limit=2&cursor=${cursor}`, headers });
  assert.deepEqual(
    page2.json().items.map((o: any) => o.id),
    [ids[0]],
  );
  assert.equal(page2.json().nextCursor, null);
  assert.equal((await svc.app.inject({ method: 'GET', url: '/orders?limit=101', headers })).statusCode, 400);
  assert.equal((await svc.app.inject({ method: 'GET', url: '/orders?cursor=bm9wZQ', headers })).statusCode, 400);

  const stranger = await svc.auth();
  const peek = await svc.app.inject({ method: 'GET', url: `/orders/${ids[0]}`, headers: stranger });
  assert.equal(peek.statusCode, 404);
  assert.equal(peek.json().code, 'NOT_FOUND');
  assert.deepEqual((await svc.app.inject({ method: 'GET', url: '/orders', headers: stranger })).json().items, []);
  assert.equal((await svc.app.inject({ method: 'GET', url: `/orders/${randomUUID()}`, headers })).statusCode, 404);

  const admin = await svc.auth({ role: 'admin' });
  const seen = await svc.app.inject({ method: 'GET', url: `/orders/${ids[0]}`, headers: admin });
  assert.equal(seen.statusCode, 200);
  assert.equal(seen.json().id, ids[0]);
});

test("a user cannot touch another user's cart: their own routes only ever see their own lines", async () => {
  const alice = await svc.auth();
  const mallory = await svc.auth();
  const p = svc.product.add();
  await put(alice, p.id, 4);
  const del = await svc.app.inject({ method: 'DELETE', url: `/orders/cart/items/${p.id}`, headers: mallory });
  assert.equal(del.statusCode, 204, 'removing a line one does not have is a no-op');
  const aliceCart = await svc.app.inject({ method: 'GET', url: '/orders/cart', headers: alice });
  assert.deepEqual(
    aliceCart.json().items.map((i: any) => i.quantity),
    [4],
  );
  assert.deepEqual((await svc.app.inject({ method: 'GET', url: '/orders/cart', headers: mallory })).json().items, []);
  assert.equal((await svc.app.inject({ method: 'GET', url: '/orders/cart' })).statusCode, 401);
  assert.equal(
    (await svc.app.inject({ method: 'POST', url: '/orders', headers: { 'idempotency-key': 'k' } })).statusCode,
    401,
  );
});

async function snapshot(): Promise<string> {
  const { rows } = await svc.db.query<{ s: string }>(
    `SELECT concat_ws('|',
       (SELECT md5(coalesce(string_agg(user_id || ':' || product_id || ':' || quantity, ',' ORDER BY user_id, product_id), '')) FROM cart_items),
       (SELECT md5(coalesce(string_agg(id || ':' || status, ',' ORDER BY id), '')) FROM orders),
       (SELECT count(*) FROM idempotency_keys), (SELECT count(*) FROM outbox), (SELECT count(*) FROM order_events)) AS s`,
  );
  return rows[0]!.s;
}

test('property: hostile bodies, params, queries and headers never cause a 5xx, and rejected requests change nothing', async (t) => {
  const seen = new Map<number, number>();
  const userId = randomUUID();
  const token = (await svc.auth({ userId })).authorization;
  const known = svc.product.add();
  await put({ authorization: token }, known.id, 1);
  const printable = fc.string({ maxLength: 80 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
  const segment = fc.oneof(
    fc.constant(known.id),
    fc.constant(known.id.toUpperCase()),
    fc.uuid(),
    printable.map(encodeURIComponent),
    fc.constantFrom('..', '%00', '%2F', 'cart', 'a'.repeat(300), '00000000-0000-0000-0000-000000000000'),
  );
  const path = fc.oneof(
    { arbitrary: fc.constant('/orders/cart'), weight: 2 },
    { arbitrary: fc.constant(`/orders/cart/items/${known.id}`), weight: 3 },
    segment.map((s) => `/orders/cart/items/${s}`),
    segment.map((s) => `/orders/${s}`),
    fc.constant('/orders'),
    fc
      .tuple(printable, printable)
      .map(([l, c]) => `/orders?limit=${encodeURIComponent(l)}&cursor=${encodeURIComponent(c)}`),
    printable.map((q) => `/orders?${q}`),
  );
  const body = fc.oneof(
    fc.constant(undefined),
    { arbitrary: fc.integer({ min: -5, max: 120 }).map((quantity) => ({ quantity })), weight: 3 },
    fc.json(),
    printable,
    fc.record({ quantity: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.boolean()) }),
    fc.record({ paymentMethod: fc.oneof(printable, fc.integer(), fc.constant('pm_card_declined')) }),
    fc.constantFrom(
      '{"__proto__":{"quantity":1}}',
      '{"constructor":{"prototype":{}}}',
      '{"quantity":1,"extra":true}',
      '{"paymentMethod":"pm_card_visa","admin":true}',
      '[]',
      'null',
      '{',
    ),
  );
  const headerSet = fc.record({
    authorization: fc.oneof(
      { arbitrary: fc.constant(token), weight: 4 },
      fc.constant(undefined),
      printable.map((s) => `Bearer ${s}`),
      fc.constant(`Bearer ${token.slice(7, -4)}AAAA`),
    ),
    'idempotency-key': fc.oneof(
      fc.constant(undefined),
      printable,
      fc.constant('a'.repeat(300)),
      fc.constant('same-key'),
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
      undefined,
    ),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH'),
      path,
      body,
      headerSet,
      async (method, url, payload, rawHeaders) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(rawHeaders)) if (v !== undefined) headers[k] = v;
        const before = await snapshot();
        const res = await svc.app.inject({
          method: method as 'GET',
          url,
          headers,
          ...(payload === undefined || method === 'GET'
            ? {}
            : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
        });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        assert.ok(res.statusCode < 500, `${method} ${url} -> ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) {
          assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
          assert.equal(await snapshot(), before, `${method} ${url} was refused (${res.statusCode}) but changed state`);
        }
      },
    ),
    { numRuns: 250 },
  );
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(seen))}`);
  const accepted = [...seen].filter(([status]) => status < 300).reduce((n, [, c]) => n + c, 0);
  assert.ok(accepted > 0, 'some generated requests must get through, or the property proves nothing about handlers');
});
