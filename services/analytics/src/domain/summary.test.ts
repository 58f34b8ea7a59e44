import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarise } from './summary.ts';

test('summarise: sparse minutes oldest first, per-currency revenue with net, rates over the whole window', () => {
  const m = (iso: string): Date => new Date(`2026-11-30T${iso}:00Z`);
  const summary = summarise(
    { from: m('10:00'), to: m('10:10') },
    [
      { minute: m('10:05'), placed: 3, confirmed: 1 },
      { minute: m('10:01'), placed: 2, confirmed: 2 },
    ],
    [
      { minute: m('10:01'), currency: 'USD', confirmedMinor: 2000, refundedMinor: 0 },
      { minute: m('10:05'), currency: 'USD', confirmedMinor: 500, refundedMinor: 300 },
      { minute: m('10:05'), currency: 'EUR', confirmedMinor: 700, refundedMinor: 0 },
    ],
    [{ currency: 'USD', confirmedMinor: 9000, refundedMinor: 300 }],
  );
  assert.deepEqual(
    summary.perMinute.map((x) => [
      x.minute,
      x.ordersPlaced,
      x.ordersConfirmed,
      x.revenue.map((r) => `${r.currency}:${r.netMinor}`),
    ]),
    [
      ['2026-11-30T10:01:00.000Z', 2, 2, ['USD:2000']],
      ['2026-11-30T10:05:00.000Z', 3, 1, ['EUR:700', 'USD:200']],
    ],
  );
  assert.deepEqual(summary.totals, {
    ordersPlaced: 5,
    ordersConfirmed: 3,
    placedPerMinute: 0.5,
    confirmedPerMinute: 0.3,
    revenue: [
      { currency: 'EUR', confirmedMinor: 700, refundedMinor: 0, netMinor: 700 },
      { currency: 'USD', confirmedMinor: 2500, refundedMinor: 300, netMinor: 2200 },
    ],
  });
  assert.deepEqual(summary.allTime.revenue, [
    { currency: 'USD', confirmedMinor: 9000, refundedMinor: 300, netMinor: 8700 },
  ]);
});
