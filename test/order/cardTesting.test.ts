// The card-testing limit (issue 13): declined payments per user and per client
// address pause further checkouts. Real PostgreSQL; TEST DOUBLES of product
// and payment (support/doubles.ts: `pm_card_declined` is declined,
// `pm_card_failed` fails); a movable clock for the limit's window.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startOrderService, type OrderServiceUnderTest } from './support/orderService.ts';

const WINDOW_SEC = 3600; // the defaults: 5 per user, 20 per address, an hour
let cluster: TestCluster;
let svc: OrderServiceUnderTest;
/** The limit's clock runs this far ahead of the real one. */
let offsetMs = 0;

before(async () => {
  cluster = await startEmbeddedCluster('order-card-testing');
  svc = await startOrderService(cluster.adminUrl, { now: () => Date.now() + offsetMs });
});
after(async () => {
  await svc.close();
  await cluster.close();
});

interface Shopper {
  userId: string;
  headers: { authorization: string };
  /** The client address its requests come from. */
  from: string;
}

let addresses = 0;
/** A client address no other test uses. */
const freshAddress = (): string => `203.0.113.${++addresses}`;

async function shopper(from = freshAddress()): Promise<Shopper> {
  const userId = randomUUID();
  return { userId, headers: await svc.auth({ userId }), from };
}

/** One checkout of a one-line cart (the line is put back first: a confirmed order empties the cart). */
async function checkout(
  s: Shopper,
  paymentMethod: string,
  key: string = randomUUID(),
  productId = svc.product.add().id,
) {
  const put = await svc.app.inject({
    method: 'PUT',
    url: `/orders/cart/items/${productId}`,
    headers: s.headers,
    payload: { quantity: 1 },
    remoteAddress: s.from,
  });
  assert.equal(put.statusCode, 200, put.body);
  const res = await svc.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...s.headers, 'idempotency-key': key },
    payload: { paymentMethod },
    remoteAddress: s.from,
  });
  // The declined line stays in the cart; the next checkout must not carry it.
  await svc.app.inject({
    method: 'DELETE',
    url: `/orders/cart/items/${productId}`,
    headers: s.headers,
    remoteAddress: s.from,
  });
  return res;
}

async function decline(s: Shopper, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await checkout(s, 'pm_card_declined');
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'cancelled');
    assert.match(res.json().reason, /^payment_declined/);
  }
}

function assertLimited(res: Awaited<ReturnType<typeof checkout>>, maxRetryAfter = WINDOW_SEC): number {
  assert.equal(res.statusCode, 429, res.body);
  assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(res.json().code, 'RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= maxRetryAfter, `Retry-After ${String(res.headers['retry-after'])}`);
  return retryAfter;
}

/** What a refused checkout must leave as it was. */
async function footprint(s: Shopper): Promise<string> {
  const { rows } = await svc.db.query<{ orders: number; keys: number }>(
    'SELECT (SELECT count(*) FROM orders WHERE user_id = $1)::int AS orders, (SELECT count(*) FROM idempotency_keys WHERE user_id = $1)::int AS keys',
    [s.userId],
  );
  return JSON.stringify({
    ...rows[0],
    reservations: svc.product.reservations.size,
    charges: svc.payment.chargeCalls.size,
    productCalls: svc.product.calls.filter((c) => !c.startsWith('get:')).length,
  });
}

test('5 declined checkouts, then the 6th is 429 with Retry-After before anything is reserved or charged; with a good card too', async () => {
  const s = await shopper();
  const firstKey = randomUUID();
  const first = await checkout(s, 'pm_card_declined', firstKey);
  assert.equal(first.json().status, 'cancelled');
  await decline(s, 4);

  const before = await footprint(s);
  const sixth = await checkout(s, 'pm_card_declined');
  const retryAfter = assertLimited(sixth);
  assert.ok(
    retryAfter > WINDOW_SEC - 60,
    `the oldest decline is seconds old: Retry-After ${retryAfter} is about the window`,
  );
  assertLimited(await checkout(s, 'pm_card_visa'));
  assert.equal(
    await footprint(s),
    before,
    'a refused checkout makes no order, keeps no key, reserves and charges nothing',
  );

  // A retry of a checkout answered before the limit is still its answer.
  const replay = await svc.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...s.headers, 'idempotency-key': firstKey },
    payload: { paymentMethod: 'pm_card_declined' },
    remoteAddress: s.from,
  });
  assert.equal(replay.statusCode, 201, replay.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(replay.json().id, first.json().id);
});

test('only declines count: paid, out-of-stock and failed-payment checkouts do not', async () => {
  const s = await shopper();
  await decline(s, 4);
  for (let i = 0; i < 3; i++) {
    const paid = await checkout(s, 'pm_card_visa');
    assert.equal(paid.json().status, 'confirmed', paid.body);
  }
  const outOfStock = await checkout(s, 'pm_card_declined', randomUUID(), svc.product.add({ stock: 0 }).id);
  assert.equal(outOfStock.json().reason, 'out_of_stock', 'control: cancelled before any charge');
  const failed = await checkout(s, 'pm_card_failed');
  assert.equal(failed.json().reason, 'payment_failed', 'control: the provider failed, the card was not declined');

  await decline(s, 1); // the 5th decline is still let through
  assertLimited(await checkout(s, 'pm_card_visa'));
});

test('the limit is per user: another user from the same address checks out', async () => {
  const limited = await shopper();
  await decline(limited, 5);
  assertLimited(await checkout(limited, 'pm_card_visa'));
  const other = await shopper(limited.from);
  const res = await checkout(other, 'pm_card_visa');
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().status, 'confirmed');
});

test('once the oldest decline leaves the window, the user checks out again, with the refused key', async () => {
  const s = await shopper();
  await decline(s, 5);
  const refusedKey = randomUUID();
  const retryAfter = assertLimited(await checkout(s, 'pm_card_visa', refusedKey));

  offsetMs += (retryAfter - 5) * 1000;
  assertLimited(await checkout(s, 'pm_card_visa', refusedKey), 5);

  offsetMs += 5000;
  const res = await checkout(s, 'pm_card_visa', refusedKey);
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().status, 'confirmed');
  assert.equal(res.headers['idempotent-replayed'], undefined, 'the refused key was left free, not stored with its 429');
});

test('per address: 20 declines from one address across fresh accounts pause every account there, not elsewhere', async () => {
  const from = freshAddress();
  for (let i = 0; i < 5; i++) await decline(await shopper(from), 4); // each account stays under its own limit
  const fresh = await shopper(from);
  const before = await footprint(fresh);
  assertLimited(await checkout(fresh, 'pm_card_visa'));
  assert.equal(await footprint(fresh), before);

  const elsewhere = await shopper();
  assert.equal((await checkout(elsewhere, 'pm_card_visa')).json().status, 'confirmed');
});

test('per address, IPv6: the addresses of one /64 count together', async () => {
  const prefix = '2001:db8:77:1';
  for (let i = 0; i < 5; i++) await decline(await shopper(`${prefix}::${(i + 1).toString(16)}`), 4);
  assertLimited(await checkout(await shopper(`${prefix}:ffff:ffff:ffff:fffe`), 'pm_card_visa'));
  assert.equal(
    (await checkout(await shopper('2001:db8:77:2::1'), 'pm_card_visa')).json().status,
    'confirmed',
    'the next /64 is another client',
  );
});
