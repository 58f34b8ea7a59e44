// The order aggregate's state machine and the pure rules beside it (cart, idempotency): no I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ORDER_STATUSES,
  IllegalTransitionError,
  Order,
  OrderRuleError,
  canTransition,
  checkCartChange,
  judgeExistingKey,
  requestFingerprint,
  reservationIdFor,
  chargeKeyFor,
  type OrderState,
  type OrderStatus,
} from './index.ts';

const USER = '00000000-0000-4000-8000-000000000001';
const PRODUCT = '00000000-0000-4000-8000-0000000000aa';

function placed(): Order {
  return Order.place({
    id: '00000000-0000-4000-8000-00000000000f',
    userId: USER,
    email: 'a@example.com',
    paymentMethod: 'pm_card_visa',
    correlationId: 'c1',
    lines: [{ productId: PRODUCT, quantity: 2 }],
  });
}

const priced = [{ productId: PRODUCT, sku: 'S', name: 'Thing', quantity: 2, unitPriceMinor: 700, currency: 'EUR' }];

function inStatus(status: OrderStatus, paymentCaptured = false): Order {
  const base = placed().state;
  const state: OrderState = {
    ...base,
    status,
    paymentCaptured,
    paymentId: paymentCaptured ? 'pay_1' : null,
    totalMinor: 1400,
    currency: 'EUR',
  };
  return Order.rehydrate(state);
}

test('the happy path moves pending -> stock_reserved -> paid -> confirmed, one change and event each', () => {
  const order = placed();
  order.reserveStock(priced);
  order.markPaid('pay_1');
  order.confirm();
  const changes = order.pullChanges();
  assert.deepEqual(
    changes.map((c) => [c.from, c.to]),
    [
      [null, 'pending'],
      ['pending', 'stock_reserved'],
      ['stock_reserved', 'paid'],
      ['paid', 'confirmed'],
    ],
  );
  assert.deepEqual(
    changes.flatMap((c) => c.events.map((e) => e.type)),
    ['order.placed', 'order.stock_reserved', 'order.paid', 'order.confirmed'],
  );
  assert.equal(order.state.totalMinor, 1400);
  assert.equal(order.state.currency, 'EUR');
  const confirmed = changes[3]!.events[0]!;
  assert.equal(confirmed.type, 'order.confirmed');
  if (confirmed.type !== 'order.confirmed') return;
  assert.equal(confirmed.payload.email, 'a@example.com');
  assert.deepEqual(confirmed.payload.items, [{ productId: PRODUCT, name: 'Thing', quantity: 2, unitPriceMinor: 700 }]);
  assert.deepEqual(order.pullChanges(), [], 'changes are handed out once');
});

test('terminal states accept no transition at all', () => {
  for (const status of ['confirmed', 'cancelled', 'failed'] as const) {
    for (const to of ORDER_STATUSES) assert.equal(canTransition(status, to), false, `${status} -> ${to}`);
    const order = inStatus(status);
    assert.throws(() => order.confirm(), IllegalTransitionError);
    assert.throws(() => order.beginCancelling('x'), IllegalTransitionError);
    assert.throws(() => order.fail('x'), IllegalTransitionError);
  }
});

test('illegal transitions throw and leave the order unchanged', () => {
  const order = placed();
  order.pullChanges();
  assert.throws(() => order.confirm(), IllegalTransitionError);
  assert.throws(() => order.markPaid('pay'), IllegalTransitionError);
  assert.throws(() => order.awaitPayment(null), IllegalTransitionError);
  assert.throws(() => order.finishCancelling(null), IllegalTransitionError);
  assert.equal(order.status, 'pending');
  assert.deepEqual(order.pullChanges(), []);
  assert.throws(() => inStatus('stock_reserved').confirm(), IllegalTransitionError, 'never confirmed without payment');
  assert.throws(
    () => inStatus('paid').cancel('x'),
    IllegalTransitionError,
    'a paid order is compensated, not cancelled outright',
  );
});

test('a captured payment cannot be cancelled without a refund; with one, refunded precedes cancelled', () => {
  const order = inStatus('paid', true);
  order.beginCancelling('stock_commit_failed');
  assert.throws(() => order.finishCancelling(null), OrderRuleError);
  order.finishCancelling({ refundId: 're_1' });
  const events = order.pullChanges().flatMap((c) => c.events.map((e) => e.type));
  assert.deepEqual(events, ['order.cancelling', 'order.refunded', 'order.cancelled']);
  assert.equal(order.state.reason, 'stock_commit_failed');
});

test('a reservation that does not match the lines, or mixes currencies, is refused', () => {
  assert.throws(() => placed().reserveStock([{ ...priced[0]!, quantity: 3 }]), OrderRuleError);
  const order = Order.place({
    id: 'o',
    userId: USER,
    email: 'e',
    paymentMethod: 'pm',
    correlationId: 'c',
    lines: [
      { productId: 'a', quantity: 1 },
      { productId: 'b', quantity: 1 },
    ],
  });
  assert.throws(
    () =>
      order.reserveStock([
        { ...priced[0]!, productId: 'a', quantity: 1 },
        { ...priced[0]!, productId: 'b', quantity: 1, currency: 'USD' },
      ]),
    OrderRuleError,
  );
  assert.equal(order.status, 'pending');
  assert.throws(
    () => Order.place({ id: 'o', userId: USER, email: 'e', paymentMethod: 'pm', correlationId: 'c', lines: [] }),
    OrderRuleError,
  );
});

test('property: any sequence of commands keeps the order on the allowed graph', () => {
  const commands = ['reserve', 'await', 'paid', 'confirm', 'cancel', 'begin', 'finish', 'fail'] as const;
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...commands), { maxLength: 12 }), (sequence) => {
      const order = placed();
      for (const command of sequence) {
        const before = order.status;
        try {
          switch (command) {
            case 'reserve':
              order.reserveStock(priced);
              break;
            case 'await':
              order.awaitPayment(null);
              break;
            case 'paid':
              order.markPaid('pay');
              break;
            case 'confirm':
              order.confirm();
              break;
            case 'cancel':
              order.cancel('r');
              break;
            case 'begin':
              order.beginCancelling('r');
              break;
            case 'finish':
              order.finishCancelling(order.state.paymentCaptured ? { refundId: 're' } : null);
              break;
            case 'fail':
              order.fail('r');
              break;
          }
        } catch (error) {
          assert.ok(error instanceof IllegalTransitionError || error instanceof OrderRuleError);
          assert.equal(order.status, before);
        }
      }
      for (const change of order.pullChanges())
        if (change.from !== null) assert.ok(canTransition(change.from, change.to), `${change.from} -> ${change.to}`);
    }),
  );
});

test('cart rules: quantity 1..100, at most 50 lines (changing an existing line is always fine)', () => {
  const full = Array.from({ length: 50 }, (_, i) => ({ productId: `p${i}`, quantity: 1 }));
  assert.equal(checkCartChange(full, 'new', 1).ok, false);
  assert.equal(checkCartChange(full, 'p3', 100).ok, true);
  assert.equal(checkCartChange([], 'p', 0).ok, false);
  assert.equal(checkCartChange([], 'p', 101).ok, false);
  assert.equal(checkCartChange([], 'p', 1.5).ok, false);
});

test('idempotency: fingerprints ignore key order and an absent body, and differ per user and body', () => {
  assert.equal(requestFingerprint(USER, undefined), requestFingerprint(USER, {}));
  assert.equal(requestFingerprint(USER, { a: 1, b: 2 }), requestFingerprint(USER, { b: 2, a: 1 }));
  assert.notEqual(requestFingerprint(USER, { paymentMethod: 'x' }), requestFingerprint(USER, { paymentMethod: 'y' }));
  assert.notEqual(requestFingerprint(USER, {}), requestFingerprint('00000000-0000-4000-8000-000000000002', {}));
  const stored = {
    fingerprint: 'f',
    state: 'in_flight' as const,
    orderId: null,
    responseStatus: null,
    responseBody: null,
    lockExpired: false,
  };
  assert.equal(judgeExistingKey(stored, 'g').kind, 'reused');
  assert.equal(judgeExistingKey(stored, 'f').kind, 'in_flight');
  assert.equal(judgeExistingKey({ ...stored, lockExpired: true }, 'f').kind, 'take_over');
  assert.deepEqual(judgeExistingKey({ ...stored, state: 'done', responseStatus: 201, responseBody: { id: 1 } }, 'f'), {
    kind: 'replay',
    status: 201,
    body: { id: 1 },
  });
});

test('saga identifiers derive from the order id: stable, distinct, and the reservation id is a UUID', () => {
  const a = reservationIdFor('11111111-1111-4111-8111-111111111111');
  assert.equal(a, reservationIdFor('11111111-1111-4111-8111-111111111111'));
  assert.notEqual(a, reservationIdFor('22222222-2222-4222-8222-222222222222'));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(chargeKeyFor('x'), 'order:x:charge');
});
