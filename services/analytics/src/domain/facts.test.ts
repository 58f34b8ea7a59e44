import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FactRuleError, minuteOf, refundEffect, saleLines } from './facts.ts';

test('minuteOf is the UTC minute start, also before 1970', () => {
  assert.equal(minuteOf(new Date('2026-11-30T10:17:59.999Z')).toISOString(), '2026-11-30T10:17:00.000Z');
  assert.equal(minuteOf(new Date('2026-11-30T10:17:00.000Z')).toISOString(), '2026-11-30T10:17:00.000Z');
  assert.equal(minuteOf(new Date('1969-12-31T23:59:30.500Z')).toISOString(), '1969-12-31T23:59:00.000Z');
  assert.throws(() => minuteOf(new Date('nope')), FactRuleError);
});

test('saleLines merges a repeated product and prices each line as quantity x unit price', () => {
  const lines = saleLines([
    { productId: 'p1', name: 'Mug', quantity: 2, unitPriceMinor: 1299 },
    { productId: 'p2', name: null, quantity: 1, unitPriceMinor: 500 },
    { productId: 'p1', name: null, quantity: 1, unitPriceMinor: 1299 },
  ]);
  assert.deepEqual(lines, [
    { productId: 'p1', name: 'Mug', quantity: 3, revenueMinor: 3897 },
    { productId: 'p2', name: null, quantity: 1, revenueMinor: 500 },
  ]);
  assert.throws(
    () => saleLines([{ productId: 'p', name: null, quantity: 1_000_000, unitPriceMinor: Number.MAX_SAFE_INTEGER }]),
    FactRuleError,
  );
});

test('a refund counts no more than what is left of the order, and removes its lines once when it is refunded in full', () => {
  const order = { currency: 'USD', totalMinor: 1000, refundedMinor: 0, linesRefunded: false };
  assert.deepEqual(refundEffect(order, { currency: 'USD', amountMinor: 400 }), {
    countedMinor: 400,
    removeLines: false,
  });
  assert.deepEqual(refundEffect({ ...order, refundedMinor: 400 }, { currency: 'USD', amountMinor: 900 }), {
    countedMinor: 600,
    removeLines: true,
  });
  assert.deepEqual(
    refundEffect({ ...order, refundedMinor: 1000, linesRefunded: true }, { currency: 'USD', amountMinor: 1 }),
    { countedMinor: 0, removeLines: false },
  );
  assert.throws(() => refundEffect(order, { currency: 'EUR', amountMinor: 1 }), /EUR/);
});
