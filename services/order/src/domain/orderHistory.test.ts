import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Order } from './order.ts';
import { OrderHistoryFold, type HistoryEvent } from './orderHistory.ts';

/** The events an order's changes publish, as the outbox would carry them. */
function eventsOf(order: Order): HistoryEvent[] {
  return order
    .pullChanges()
    .flatMap((c) => c.events.map((e) => ({ id: randomUUID(), type: e.type, key: order.state.id, payload: e.payload })));
}

const priced = (productId: string, quantity: number, unitPriceMinor: number) => ({
  productId,
  sku: `SKU-${productId}`,
  name: `Name ${productId}`,
  quantity,
  unitPriceMinor,
  currency: 'EUR',
});

test("the fold of an order's events is its history: statuses with reasons, totals, payment, refund, priced lines", () => {
  const order = Order.place({
    id: 'o-1',
    userId: 'u-1',
    email: 'a@example.com',
    paymentMethod: 'pm_card_visa',
    correlationId: 'c',
    lines: [
      { productId: 'p-b', quantity: 2 },
      { productId: 'p-a', quantity: 1 },
    ],
  });
  order.reserveStock([priced('p-a', 1, 500), priced('p-b', 2, 250)]);
  order.awaitPayment(null);
  order.markPaid('pay_1');
  order.beginCancelling('stock_commit_failed');
  order.finishCancelling({ refundId: 're_1' });
  const events = eventsOf(order);
  const fold = new OrderHistoryFold();
  for (const e of events) fold.apply(e);
  fold.apply(events[2]!); // a duplicate changes nothing
  fold.apply({ id: randomUUID(), type: 'order.shipped', key: 'o-1', payload: { orderId: 'o-1' } }); // a type from a newer producer is ignored
  assert.deepEqual(fold.histories().get('o-1'), {
    orderId: 'o-1',
    userId: 'u-1',
    statuses: [
      { status: 'pending', reason: null },
      { status: 'stock_reserved', reason: null },
      { status: 'payment_pending', reason: null },
      { status: 'paid', reason: null },
      { status: 'cancelling', reason: 'stock_commit_failed' },
      { status: 'cancelled', reason: 'stock_commit_failed' },
    ],
    status: 'cancelled',
    totalMinor: 1000,
    currency: 'EUR',
    paymentId: 'pay_1',
    refundId: 're_1',
    items: [
      { productId: 'p-a', quantity: 1, name: 'Name p-a', unitPriceMinor: 500 },
      { productId: 'p-b', quantity: 2, name: 'Name p-b', unitPriceMinor: 250 },
    ],
  });
});

test('an order cancelled before anything was reserved keeps its unpriced lines and no totals', () => {
  const order = Order.place({
    id: 'o-2',
    userId: 'u-2',
    email: 'b@example.com',
    paymentMethod: 'pm_card_visa',
    correlationId: 'c',
    lines: [{ productId: 'p-a', quantity: 3 }],
  });
  order.cancel('out_of_stock');
  const fold = new OrderHistoryFold();
  for (const e of eventsOf(order)) fold.apply(e);
  const history = fold.histories().get('o-2')!;
  assert.deepEqual(history.statuses, [
    { status: 'pending', reason: null },
    { status: 'cancelled', reason: 'out_of_stock' },
  ]);
  assert.deepEqual(
    [history.totalMinor, history.currency, history.paymentId, history.refundId],
    [null, null, null, null],
  );
  assert.deepEqual(history.items, [{ productId: 'p-a', quantity: 3, name: null, unitPriceMinor: null }]);
});
