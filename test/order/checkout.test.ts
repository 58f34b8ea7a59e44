// The checkout saga and its idempotency keys, on a real PostgreSQL, with
// in-memory TEST DOUBLES of the product and payment services (doubles.ts).
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { Database } from '@shop/data';
import { reservationIdFor } from '@shop/order-service/domain';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { CrashingPaymentDouble, PaymentServiceDouble, SlowPaymentDouble } from './support/doubles.ts';
import {
  eventually,
  fastSaga,
  startOrderService,
  startSecondInstance,
  type OrderServiceUnderTest,
} from './support/orderService.ts';

let cluster: TestCluster;
let svc: OrderServiceUnderTest;

before(async () => {
  cluster = await startEmbeddedCluster('order-saga');
  svc = await startOrderService(cluster.adminUrl);
});
after(async () => {
  await svc.close();
  await cluster.close();
});

async function shopper(
  service: OrderServiceUnderTest = svc,
  lines: Array<{ priceMinor?: number; quantity?: number; stock?: number; commitConflicts?: boolean }> = [{}],
) {
  const headers = await service.auth({ email: `${randomUUID().slice(0, 8)}@example.com` });
  const products = [];
  for (const line of lines) {
    const p = service.product.add({
      priceMinor: line.priceMinor ?? 1000,
      stock: line.stock ?? 100,
      commitConflicts: line.commitConflicts ?? false,
    });
    const res = await service.app.inject({
      method: 'PUT',
      url: `/orders/cart/items/${p.id}`,
      headers,
      payload: { quantity: line.quantity ?? 1 },
    });
    assert.equal(res.statusCode, 200, res.body);
    products.push(p);
  }
  return { headers, products };
}

function checkout(
  headers: Record<string, string>,
  key: string,
  payload?: Record<string, unknown>,
  service: OrderServiceUnderTest = svc,
) {
  return service.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...headers, 'idempotency-key': key },
    payload,
  });
}

async function outboxTypes(orderId: string): Promise<string[]> {
  const { rows } = await svc.db.query<{ type: string }>(
    'SELECT type FROM outbox WHERE key = $1 ORDER BY created_at, id',
    [orderId],
  );
  return rows.map((r) => r.type);
}

async function historyOf(orderId: string): Promise<string[]> {
  const { rows } = await svc.db.query<{ to_status: string }>(
    'SELECT to_status FROM order_events WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows.map((r) => r.to_status);
}

test('happy path: reserved, charged once, committed, confirmed; cart cleared; every transition in history and outbox', async () => {
  const { headers, products } = await shopper(svc, [
    { priceMinor: 1999, quantity: 2 },
    { priceMinor: 500, quantity: 1 },
  ]);
  const res = await checkout(headers, randomUUID());
  assert.equal(res.statusCode, 201, res.body);
  const order = res.json();
  assert.equal(order.status, 'confirmed');
  assert.equal(order.totalMinor, 1999 * 2 + 500);
  assert.equal(order.currency, 'USD');
  assert.equal(svc.payment.chargeCalls.get(`order:${order.id}:charge`), 1);
  assert.equal(svc.product.reservations.get(reservationIdFor(order.id))?.status, 'committed');
  assert.equal(svc.product.products.get(products[0]!.id)!.stock, 98);

  const cart = await svc.app.inject({ method: 'GET', url: '/orders/cart', headers });
  assert.deepEqual(cart.json().items, []);

  assert.deepEqual(await historyOf(order.id), ['pending', 'stock_reserved', 'paid', 'confirmed']);
  assert.deepEqual(await outboxTypes(order.id), [
    'order.placed',
    'order.stock_reserved',
    'order.paid',
    'order.confirmed',
  ]);
  const { rows } = await svc.db.query<{ topic: string; key: string; envelope: any }>(
    "SELECT topic, key, envelope FROM outbox WHERE key = $1 AND type = 'order.confirmed'",
    [order.id],
  );
  const envelope = rows[0]!.envelope;
  assert.equal(rows[0]!.topic, 'order');
  assert.equal(envelope.producer, 'order-service');
  assert.equal(envelope.version, 1);
  assert.equal(envelope.aggregateId, order.id);
  assert.equal(typeof envelope.correlationId, 'string');
  assert.match(envelope.payload.email, /@example\.com$/);
  assert.equal(envelope.payload.totalMinor, 1999 * 2 + 500);
  assert.deepEqual(envelope.payload.items.map((i: any) => i.unitPriceMinor).sort(), [1999, 500].sort());

  const detail = await svc.app.inject({ method: 'GET', url: `/orders/${order.id}`, headers });
  assert.equal(detail.statusCode, 200);
  assert.deepEqual(
    detail.json().history.map((h: any) => h.to),
    ['pending', 'stock_reserved', 'paid', 'confirmed'],
  );
});

test('a declined card cancels the order and releases the stock; the cart stays', async () => {
  const { headers } = await shopper();
  const res = await checkout(headers, randomUUID(), { paymentMethod: 'pm_card_declined' });
  assert.equal(res.statusCode, 201, res.body);
  const order = res.json();
  assert.equal(order.status, 'cancelled');
  assert.match(order.reason, /^payment_declined/);
  assert.equal(svc.product.reservations.get(reservationIdFor(order.id))?.status, 'released');
  assert.deepEqual(await outboxTypes(order.id), [
    'order.placed',
    'order.stock_reserved',
    'order.cancelling',
    'order.cancelled',
  ]);
  const cart = await svc.app.inject({ method: 'GET', url: '/orders/cart', headers });
  assert.equal(cart.json().items.length, 1);
});

test('out of stock: cancelled with nothing reserved and nothing charged', async () => {
  const { headers } = await shopper(svc, [{ stock: 1, quantity: 2 }]);
  const res = await checkout(headers, randomUUID());
  assert.equal(res.statusCode, 201, res.body);
  const order = res.json();
  assert.equal(order.status, 'cancelled');
  assert.equal(order.reason, 'out_of_stock');
  assert.equal(svc.payment.chargeCalls.get(`order:${order.id}:charge`), undefined);
  assert.equal(svc.product.reservations.has(reservationIdFor(order.id)), false);
});

test('commit fails after the charge: refunded, released, cancelled, order.refunded written', async () => {
  const { headers } = await shopper(svc, [{ commitConflicts: true, priceMinor: 4200 }]);
  const res = await checkout(headers, randomUUID());
  assert.equal(res.statusCode, 201, res.body);
  const order = res.json();
  assert.equal(order.status, 'cancelled');
  assert.equal(order.reason, 'stock_commit_failed');
  const refund = svc.payment.refunds.get(`order:${order.id}:refund`);
  assert.ok(refund, 'refunded with the order-derived key');
  assert.equal(refund.amountMinor, 4200);
  assert.equal(refund.paymentId, order.paymentId);
  assert.equal(svc.product.reservations.get(reservationIdFor(order.id))?.status, 'released');
  assert.deepEqual(await outboxTypes(order.id), [
    'order.placed',
    'order.stock_reserved',
    'order.paid',
    'order.cancelling',
    'order.refunded',
    'order.cancelled',
  ]);
  const { rows } = await svc.db.query<{ envelope: any }>(
    "SELECT envelope FROM outbox WHERE key = $1 AND type = 'order.refunded'",
    [order.id],
  );
  assert.equal(rows[0]!.envelope.payload.amountMinor, 4200);
});

test('pending payment: 202 now, and the recovery loop confirms it once the payment settles', async () => {
  const { headers } = await shopper();
  const res = await checkout(headers, randomUUID(), { paymentMethod: 'pm_pending' });
  assert.equal(res.statusCode, 202, res.body);
  const order = res.json();
  assert.equal(order.status, 'payment_pending');
  svc.payment.settle(order.id, 'succeeded');
  const done: any = await eventually(async () => {
    const r = await svc.app.inject({ method: 'GET', url: `/orders/${order.id}`, headers });
    return r.json().status === 'confirmed' ? r.json() : undefined;
  }, 'the order to be confirmed by recovery');
  assert.deepEqual(
    done.history.map((h: any) => h.to),
    ['pending', 'stock_reserved', 'payment_pending', 'paid', 'confirmed'],
  );
  assert.equal(svc.payment.succeededCharges() >= 1, true);
  assert.equal(svc.payment.charges.get(`order:${order.id}:charge`)?.status, 'succeeded');
});

test('a pending payment that is declined ends cancelled and released', async () => {
  const { headers } = await shopper();
  const order = (await checkout(headers, randomUUID(), { paymentMethod: 'pm_pending' })).json();
  svc.payment.settle(order.id, 'declined');
  await eventually(
    async () =>
      (await svc.app.inject({ method: 'GET', url: `/orders/${order.id}`, headers })).json().status === 'cancelled'
        ? true
        : undefined,
    'cancellation',
  );
  assert.equal(svc.product.reservations.get(reservationIdFor(order.id))?.status, 'released');
});

test('idempotency: same key and body replays; a different body is 422; an empty cart is 422 and frees the key', async () => {
  const { headers } = await shopper();
  const key = randomUUID();
  const first = await checkout(headers, key, { paymentMethod: 'pm_card_visa' });
  assert.equal(first.statusCode, 201);
  const again = await checkout(headers, key, { paymentMethod: 'pm_card_visa' });
  assert.equal(again.statusCode, 201);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.json().id, first.json().id);
  assert.equal(first.headers['idempotent-replayed'], undefined);

  const reused = await checkout(headers, key, { paymentMethod: 'pm_card_declined' });
  assert.equal(reused.statusCode, 422);
  assert.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');

  // The cart is empty now (cleared on confirmation).
  const emptyKey = randomUUID();
  const empty = await checkout(headers, emptyKey);
  assert.equal(empty.statusCode, 422);
  assert.equal(empty.json().code, 'UNPROCESSABLE');
  const p = svc.product.add();
  await svc.app.inject({ method: 'PUT', url: `/orders/cart/items/${p.id}`, headers, payload: { quantity: 1 } });
  const retried = await checkout(headers, emptyKey);
  assert.equal(retried.statusCode, 201, 'a key refused before anything happened can be used again');

  // Keys are per user: another user's identical key is a different request.
  const other = await shopper();
  const theirs = await checkout(other.headers, key, { paymentMethod: 'pm_card_visa' });
  assert.equal(theirs.statusCode, 201);
  assert.notEqual(theirs.json().id, first.json().id);
  assert.equal(theirs.headers['idempotent-replayed'], undefined);

  const missing = await svc.app.inject({ method: 'POST', url: '/orders', headers });
  assert.equal(missing.statusCode, 400);
});

test('20 concurrent checkouts with one key: one order, one charge key, the others in-progress or replays', async () => {
  const { headers } = await shopper(svc, [{ quantity: 3 }]);
  const key = randomUUID();
  const results = await Promise.all(Array.from({ length: 20 }, () => checkout(headers, key)));
  const statuses = results.map((r) => r.statusCode);
  assert.ok(
    statuses.every((s) => s === 201 || s === 409),
    `unexpected statuses ${statuses.join(',')}`,
  );
  for (const r of results.filter((x) => x.statusCode === 409)) assert.equal(r.json().code, 'REQUEST_IN_PROGRESS');
  const ids = new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().id));
  assert.equal(ids.size, 1);
  const [orderId] = [...ids];
  const { rows } = await svc.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM orders WHERE user_id = (SELECT user_id FROM orders WHERE id = $1)',
    [orderId],
  );
  assert.equal(rows[0]!.n, 1);
  assert.equal(svc.payment.chargeCalls.get(`order:${orderId}:charge`), 1);
  const replay = await checkout(headers, key);
  assert.equal(replay.json().id, orderId);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
});

test('a duplicate sent while the first is still at work, longer than the key lock, waits for it and replays its answer', async () => {
  // The charge takes longer than the key's lock: only the holder renewing its
  // lock keeps the duplicate from taking over and driving the saga twice.
  const slow = new SlowPaymentDouble(1000);
  const service = await startOrderService(cluster.adminUrl, { payment: slow, keyLockMs: 300 });
  try {
    const { headers } = await shopper(service);
    const key = randomUUID();
    const first = checkout(headers, key, undefined, service);
    await slow.entered;
    const duplicate = await checkout(headers, key, undefined, service);
    const original = await first;
    assert.equal(original.statusCode, 201, original.body);
    assert.equal(duplicate.statusCode, 201, duplicate.body);
    assert.equal(duplicate.json().id, original.json().id);
    assert.equal(duplicate.headers['idempotent-replayed'], 'true');
    assert.equal(slow.calls, 1, 'the saga was driven once');
  } finally {
    await service.close();
  }
});

async function takeOverAfterCrash(keyLockMs: number, retryHeaders: Record<string, string> = {}): Promise<void> {
  const crashing = new CrashingPaymentDouble();
  const first = await startOrderService(cluster.adminUrl, {
    payment: crashing,
    keyLockMs,
    saga: { ...fastSaga, recovery: false },
  });
  const payment = new PaymentServiceDouble();
  const observer = new Database({ connectionString: first.databaseUrl, max: 2, acquireTimeoutMs: 2000 });
  let second: Awaited<ReturnType<typeof startSecondInstance>> | undefined;
  try {
    const { headers } = await shopper(first);
    const key = randomUUID();
    void checkout(headers, key, undefined, first).catch(() => undefined);
    await Promise.race([
      crashing.entered,
      sleep(10_000).then(() => Promise.reject(new Error('the saga never reached the charge step'))),
    ]);
    // The holder dies: from now on it can neither answer, nor store an answer, nor renew its lock.
    await first.db.close();
    second = await startSecondInstance(first, {
      product: first.product,
      payment,
      keyLockMs,
      saga: { ...fastSaga, recovery: false },
    });
    const retry = await second.app.inject({
      method: 'POST',
      url: '/orders',
      headers: { ...headers, ...retryHeaders, 'idempotency-key': key },
    });
    assert.equal(retry.statusCode, 201, retry.body);
    assert.equal(retry.json().status, 'confirmed');
    const orderId = retry.json().id as string;
    const { rows } = await observer.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders WHERE user_id = (SELECT user_id FROM orders WHERE id = $1)',
      [orderId],
    );
    assert.equal(rows[0]!.n, 1, 'the retry carried on the first order, it did not make a second');
    assert.equal(payment.chargeCalls.get(`order:${orderId}:charge`), 1);
  } finally {
    await second?.close();
    await observer.close();
    await first.app.close();
  }
}

test('a retry of a checkout whose instance died mid-saga takes the key over once the holder stops renewing its lock', () =>
  takeOverAfterCrash(500));

test("a dead holder's lock that outlasts the sync budget is waited out within the caller's deadline, then taken over", () =>
  // 2.5 s of lock against the 1.5 s sync budget: the retry, given 8 s by its caller, waits and finishes the order instead of a 409.
  takeOverAfterCrash(2500, { 'x-request-timeout-ms': '8000' }));

test('a crash mid-saga (stock_reserved) is resumed by another instance, with one charge per key', async () => {
  const crashing = new CrashingPaymentDouble();
  const first = await startOrderService(cluster.adminUrl, {
    payment: crashing,
    saga: { ...fastSaga, recovery: false },
  });
  const payment = new PaymentServiceDouble();
  let second: Awaited<ReturnType<typeof startSecondInstance>> | undefined;
  try {
    const { headers } = await shopper(first);
    // Never awaited: this request dies with its instance.
    void checkout(headers, randomUUID(), undefined, first).catch(() => undefined);
    await Promise.race([
      crashing.entered,
      sleep(10_000).then(() => Promise.reject(new Error('the saga never reached the charge step'))),
    ]);
    const { rows } = await first.db.query<{ id: string; status: string }>('SELECT id, status FROM orders');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'stock_reserved');
    const orderId = rows[0]!.id;
    await first.app.close();

    second = await startSecondInstance(first, { product: first.product, payment, saga: fastSaga });
    const status = await eventually(async () => {
      const r = await first.db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId]);
      return r.rows[0]!.status === 'confirmed' ? 'confirmed' : undefined;
    }, 'the second instance to resume the saga');
    assert.equal(status, 'confirmed');
    assert.equal(payment.chargeCalls.get(`order:${orderId}:charge`), 1);
    assert.equal(first.product.reservations.get(reservationIdFor(orderId))?.status, 'committed');
    const types = (
      await first.db.query<{ type: string }>('SELECT type FROM outbox WHERE key = $1 ORDER BY created_at, id', [
        orderId,
      ])
    ).rows.map((r) => r.type);
    assert.deepEqual(types, ['order.placed', 'order.stock_reserved', 'order.paid', 'order.confirmed']);
  } finally {
    await second?.close();
    await first.close();
  }
});

test('with the circuit to payments open, checkout answers 503 at once and takes no order, no key, no stock', async () => {
  const payment = new PaymentServiceDouble();
  let open = true;
  const gated = Object.assign(Object.create(payment) as PaymentServiceDouble, { available: () => !open });
  const service = await startOrderService(cluster.adminUrl, { payment: gated });
  try {
    const { headers, products } = await shopper(service);
    const key = randomUUID();
    const refused = await checkout(headers, key, undefined, service);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(refused.json().code, 'DEPENDENCY_UNAVAILABLE');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const { rows } = await service.db.query<{ orders: number; keys: number }>(
      'SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM idempotency_keys) AS keys',
    );
    assert.deepEqual(rows[0], { orders: 0, keys: 0 });
    assert.equal(service.product.reservations.size, 0, 'no stock was held');
    assert.equal(products.length, 1);
    open = false;
    const accepted = await checkout(headers, key, undefined, service);
    assert.equal(accepted.statusCode, 201, accepted.body);
    assert.equal(accepted.json().status, 'confirmed');
  } finally {
    await service.close();
  }
});

test('the product service down at checkout: 202 pending, and recovery finishes the saga once it is back', async () => {
  const { headers } = await shopper();
  svc.product.down = true;
  let order;
  try {
    const res = await checkout(headers, randomUUID());
    assert.equal(res.statusCode, 202, res.body);
    order = res.json();
    assert.equal(order.status, 'pending');
  } finally {
    svc.product.down = false;
  }
  await eventually(
    async () =>
      (await svc.app.inject({ method: 'GET', url: `/orders/${order.id}`, headers })).json().status === 'confirmed'
        ? true
        : undefined,
    'recovery to confirm',
  );
  assert.equal(svc.payment.chargeCalls.get(`order:${order.id}:charge`), 1);
});

test('a driver whose step lost the race to another instance reads the order again and stops, instead of repeating the step', async () => {
  // The first instance's charge takes 2.5 s; meanwhile its lease runs out and
  // the second instance's recovery finishes the order. The first's save then
  // finds the order moved on: it must look again (confirmed: done), not charge again from what it had.
  const slow = new SlowPaymentDouble(2500);
  const first = await startOrderService(cluster.adminUrl, { payment: slow, saga: { ...fastSaga, recovery: false } });
  const payment = new PaymentServiceDouble();
  let second: Awaited<ReturnType<typeof startSecondInstance>> | undefined;
  try {
    const { headers } = await shopper(first);
    void checkout(headers, randomUUID(), undefined, first).catch(() => undefined);
    await Promise.race([
      slow.entered,
      sleep(10_000).then(() => Promise.reject(new Error('the saga never reached the charge step'))),
    ]);
    const chargedAt = Date.now();
    const orderId = (await first.db.query<{ id: string }>('SELECT id FROM orders')).rows[0]!.id;
    second = await startSecondInstance(first, { product: first.product, payment, saga: fastSaga });
    await eventually(
      async () =>
        (await first.db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId])).rows[0]!
          .status === 'confirmed'
          ? true
          : undefined,
      'the second instance to finish the order',
    );
    // The first driver's charge answers at 2.5 s and its save fails; going on from its own copy would call a peer again at once.
    await sleep(Math.max(0, chargedAt + 2500 + 700 - Date.now()));
    assert.equal(slow.calls, 1, 'the losing driver did not repeat its step');
    assert.deepEqual(
      first.product.calls.filter((c) => c.startsWith('commit:')),
      [`commit:${reservationIdFor(orderId)}`],
      'nor go on from its stale copy (paid: commit the stock)',
    );
    assert.equal(payment.chargeCalls.get(`order:${orderId}:charge`), 1);
    const history = (
      await first.db.query<{ to_status: string }>(
        'SELECT to_status FROM order_events WHERE order_id = $1 ORDER BY id',
        [orderId],
      )
    ).rows.map((r) => r.to_status);
    assert.deepEqual(history, ['pending', 'stock_reserved', 'paid', 'confirmed']);
  } finally {
    await second?.close();
    await first.close();
  }
});
