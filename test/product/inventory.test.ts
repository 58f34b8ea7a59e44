// The internal inventory API the order saga drives, on a real PostgreSQL:
// all-or-nothing reservations, no oversell under concurrency, idempotency,
// commit/release and the expiry sweeper.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { createProduct, startProductService, type ProductServiceUnderTest } from './support/productService.ts';

let cluster: TestCluster;
let shop: ProductServiceUnderTest;

before(async () => {
  cluster = await startEmbeddedCluster('product-inventory');
  shop = await startProductService(cluster.adminUrl, { poolMax: 12, env: { RESERVATION_SWEEP_INTERVAL_MS: '100' } });
});
after(async () => {
  await shop?.close();
  await cluster?.close();
});

let counter = 0;
async function product(stock: number): Promise<string> {
  counter += 1;
  return createProduct(shop, {
    sku: `TS-INV-${counter}`,
    name: `Test item ${counter}`,
    brand: 'Acme',
    category: 'toys',
    priceMinor: 500 + counter,
    stock,
  });
}

function reserve(
  items: Array<{ productId: string; quantity: number }>,
  reservationId = randomUUID(),
  extra: Record<string, unknown> = {},
) {
  return shop.app.inject({
    method: 'POST',
    url: '/inventory/reservations',
    payload: { reservationId, items, ...extra },
  });
}

function settle(id: string, action: 'commit' | 'release') {
  return shop.app.inject({ method: 'POST', url: `/inventory/reservations/${id}/${action}` });
}

async function stockOf(productId: string): Promise<{ on_hand: number; reserved: number }> {
  const { rows } = await shop.db.query<{ on_hand: number; reserved: number }>(
    'SELECT i.on_hand, i.reserved FROM inventory i JOIN products p ON p.sku = i.sku WHERE p.id = $1',
    [productId],
  );
  return rows[0]!;
}

test('50 concurrent reservations for the last 10 units: exactly 10 succeed, stock ends right', async () => {
  const id = await product(10);
  let sampling = true;
  let negative = 0;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await shop.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM inventory WHERE on_hand - reserved < 0 OR reserved < 0',
      );
      negative += rows[0]!.n;
      await sleep(2);
    }
  })();
  const responses = await Promise.all(Array.from({ length: 50 }, () => reserve([{ productId: id, quantity: 1 }])));
  sampling = false;
  await sampler;
  const held = responses.filter((r) => r.statusCode === 201);
  const refused = responses.filter((r) => r.statusCode === 422);
  assert.equal(held.length, 10);
  assert.equal(refused.length, 40, responses.map((r) => r.statusCode).join(','));
  assert.deepEqual(refused[0]!.json().insufficient, [{ productId: id, requested: 1, available: 0 }]);
  assert.equal(refused[0]!.json().code, 'UNPROCESSABLE');
  assert.equal(negative, 0);
  assert.deepEqual(await stockOf(id), { on_hand: 10, reserved: 10 });

  const ids = held.map((r) => r.json().reservationId as string);
  await Promise.all(ids.slice(0, 4).map((r) => settle(r, 'commit')));
  await Promise.all(ids.slice(4).map((r) => settle(r, 'release')));
  assert.deepEqual(await stockOf(id), { on_hand: 6, reserved: 0 });
  const view = await shop.app.inject({ method: 'GET', url: `/products/${id}` });
  assert.deepEqual(view.json().availability, { available: true, inStock: 6 });
});

test('concurrent multi-line reservations in opposite orders do not deadlock', async () => {
  const x = await product(100);
  const y = await product(100);
  const responses = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      reserve(
        i % 2 === 0
          ? [
              { productId: x, quantity: 2 },
              { productId: y, quantity: 1 },
            ]
          : [
              { productId: y, quantity: 1 },
              { productId: x, quantity: 2 },
            ],
      ),
    ),
  );
  assert.deepEqual([...new Set(responses.map((r) => r.statusCode))], [201]);
  assert.deepEqual(await stockOf(x), { on_hand: 100, reserved: 60 });
  assert.deepEqual(await stockOf(y), { on_hand: 100, reserved: 30 });
});

test('a reservation is all or nothing; unknown products are 422 too', async () => {
  const few = await product(5);
  const many = await product(50);
  const short = await reserve([
    { productId: many, quantity: 1 },
    { productId: few, quantity: 6 },
  ]);
  assert.equal(short.statusCode, 422);
  assert.equal(short.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.deepEqual(short.json().insufficient, [{ productId: few, requested: 6, available: 5 }]);
  assert.match(short.json().detail, /Test item/);
  assert.deepEqual(await stockOf(many), { on_hand: 50, reserved: 0 });
  const unknown = '00000000-0000-4000-8000-000000000001';
  const missing = await reserve([
    { productId: many, quantity: 1 },
    { productId: unknown, quantity: 1 },
  ]);
  assert.equal(missing.statusCode, 422);
  assert.deepEqual(missing.json().insufficient, [{ productId: unknown, requested: 1, available: 0 }]);
  assert.deepEqual(await stockOf(many), { on_hand: 50, reserved: 0 });
  const { rows } = await shop.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM reservations r JOIN reservation_items i ON i.reservation_id = r.id WHERE i.product_id = $1',
    [many],
  );
  assert.equal(rows[0]!.n, 0);
});

test('create, commit and release are idempotent; the opposite end is a 409', async () => {
  const id = await product(20);
  const reservationId = randomUUID();
  const first = await reserve([{ productId: id, quantity: 3 }], reservationId, { ttlSeconds: 600 });
  assert.equal(first.statusCode, 201);
  const body = first.json();
  assert.equal(body.status, 'held');
  assert.deepEqual(body.items, [
    {
      productId: id,
      sku: `TS-INV-${counter}`,
      name: `Test item ${counter}`,
      quantity: 3,
      unitPriceMinor: 500 + counter,
      currency: 'USD',
    },
  ]);
  const expiresIn = Date.parse(body.expiresAt) - Date.now();
  assert.ok(expiresIn > 590_000 && expiresIn <= 601_000, String(expiresIn));
  const again = await reserve([{ productId: id, quantity: 3 }], reservationId);
  assert.equal(again.statusCode, 200);
  assert.deepEqual(again.json(), body);
  assert.deepEqual(await stockOf(id), { on_hand: 20, reserved: 3 });
  const different = await reserve([{ productId: id, quantity: 4 }], reservationId);
  assert.equal(different.statusCode, 422);
  assert.equal(different.json().code, 'IDEMPOTENCY_KEY_REUSED');

  for (let i = 0; i < 2; i++) {
    const commit = await settle(reservationId, 'commit');
    assert.equal(commit.statusCode, 200);
    assert.deepEqual(commit.json(), { reservationId, status: 'committed' });
  }
  assert.deepEqual(await stockOf(id), { on_hand: 17, reserved: 0 });
  assert.equal((await settle(reservationId, 'release')).statusCode, 409);
  assert.equal(
    (await shop.app.inject({ method: 'GET', url: `/inventory/reservations/${reservationId}` })).json().status,
    'committed',
  );

  const other = (await reserve([{ productId: id, quantity: 2 }])).json().reservationId as string;
  for (let i = 0; i < 2; i++)
    assert.deepEqual((await settle(other, 'release')).json(), { reservationId: other, status: 'released' });
  const late = await settle(other, 'commit');
  assert.equal(late.statusCode, 409);
  assert.equal(late.json().code, 'CONFLICT');
  assert.deepEqual(await stockOf(id), { on_hand: 17, reserved: 0 });

  assert.equal((await settle(randomUUID(), 'commit')).statusCode, 404);
  assert.equal(
    (await shop.app.inject({ method: 'GET', url: `/inventory/reservations/${randomUUID()}` })).statusCode,
    404,
  );
  const { rows } = await shop.db.query<{ type: string; topic: string }>(
    'SELECT type, topic FROM outbox WHERE key = ANY($1::text[]) ORDER BY created_at',
    [[reservationId, other]],
  );
  assert.deepEqual(rows, [
    { type: 'inventory.committed', topic: 'inventory' },
    { type: 'inventory.released', topic: 'inventory' },
  ]);
});

test('concurrent retries of one reservation hold its stock once', async () => {
  const id = await product(10);
  const reservationId = randomUUID();
  const responses = await Promise.all(
    Array.from({ length: 12 }, () => reserve([{ productId: id, quantity: 4 }], reservationId)),
  );
  assert.deepEqual(
    responses.map((r) => r.statusCode).sort(),
    [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201],
  );
  assert.deepEqual(await stockOf(id), { on_hand: 10, reserved: 4 });
});

test('an expired reservation is released by the sweeper, and cannot be committed', async () => {
  const id = await product(8);
  const reservationId = (await reserve([{ productId: id, quantity: 5 }])).json().reservationId as string;
  assert.deepEqual(await stockOf(id), { on_hand: 8, reserved: 5 });
  await shop.db.query("UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1", [
    reservationId,
  ]);
  let state: { status: string; releaseReason?: string } | undefined;
  for (let i = 0; i < 100; i++) {
    state = (await shop.app.inject({ method: 'GET', url: `/inventory/reservations/${reservationId}` })).json();
    if (state?.status !== 'held') break;
    await sleep(50);
  }
  assert.deepEqual(
    { status: state?.status, releaseReason: state?.releaseReason },
    { status: 'released', releaseReason: 'expired' },
  );
  assert.deepEqual(await stockOf(id), { on_hand: 8, reserved: 0 });
  const commit = await settle(reservationId, 'commit');
  assert.equal(commit.statusCode, 409);
  assert.match(commit.json().detail, /expired/);

  // Past expiry but perhaps not swept yet: a commit still refuses and frees the stock.
  const second = (await reserve([{ productId: id, quantity: 2 }])).json().reservationId as string;
  await shop.db.query("UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1", [second]);
  assert.equal((await settle(second, 'commit')).statusCode, 409);
  assert.deepEqual(await stockOf(id), { on_hand: 8, reserved: 0 });
});

test('stock on hand cannot be set below, nor a product deleted with, reserved units', async () => {
  const id = await product(10);
  const reservationId = (await reserve([{ productId: id, quantity: 6 }])).json().reservationId as string;
  const admin = await shop.auth('admin');
  const below = await shop.app.inject({
    method: 'PATCH',
    url: `/products/${id}`,
    headers: admin,
    payload: { stock: 5 },
  });
  assert.equal(below.statusCode, 409);
  const atReserved = await shop.app.inject({
    method: 'PATCH',
    url: `/products/${id}`,
    headers: admin,
    payload: { stock: 6 },
  });
  assert.equal(atReserved.statusCode, 200);
  assert.deepEqual(atReserved.json().availability, { available: false, inStock: 0 });
  assert.equal((await shop.app.inject({ method: 'DELETE', url: `/products/${id}`, headers: admin })).statusCode, 409);
  assert.equal((await settle(reservationId, 'commit')).statusCode, 200);
  assert.deepEqual(await stockOf(id), { on_hand: 0, reserved: 0 });
  assert.equal((await shop.app.inject({ method: 'DELETE', url: `/products/${id}`, headers: admin })).statusCode, 204);
});

test('malformed reservation requests are 400s naming the field', async () => {
  const id = await product(3);
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ reservationId: 'nope', items: [{ productId: id, quantity: 1 }] }, 'body/reservationId'],
    [{ reservationId: randomUUID(), items: [] }, 'body/items'],
    [{ reservationId: randomUUID(), items: [{ productId: id, quantity: 0 }] }, 'body/items/0/quantity'],
    [{ reservationId: randomUUID(), items: [{ productId: id, quantity: 101 }] }, 'body/items/0/quantity'],
    [
      {
        reservationId: randomUUID(),
        items: [
          { productId: id, quantity: 1 },
          { productId: id.toUpperCase(), quantity: 1 },
        ],
      },
      'body/items',
    ],
    [{ reservationId: randomUUID(), items: [{ productId: id, quantity: 1 }], ttlSeconds: 5 }, 'body/ttlSeconds'],
  ];
  for (const [payload, field] of cases) {
    const response = await shop.app.inject({ method: 'POST', url: '/inventory/reservations', payload });
    assert.equal(response.statusCode, 400, JSON.stringify(payload));
    assert.equal(response.json().errors[0].field, field, response.body);
  }
  assert.deepEqual(await stockOf(id), { on_hand: 3, reserved: 0 });
});
