// The analytics service on a real event log (embedded PostgreSQL): order events
// in, figures out; redelivery changes nothing; the admin routes refuse
// customers and never answer a hostile query with a 5xx.
// Tests share one service, so each keeps to its own day, currency and products.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { createAnalyticsService, orderEvents, type AnalyticsUnderTest } from './support.ts';
import { eventually } from '../events/harness.ts';

let shop: AnalyticsUnderTest;
before(async () => {
  shop = await createAnalyticsService();
});
after(async () => {
  await shop.close();
});

test('events in, figures out: orders per minute, revenue net of refunds by currency, top products', async () => {
  const day = '2026-01-05';
  const at = (hhmmss: string): string => `${day}T${hhmmss}Z`;
  const [a, b, c, d] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
  const ev = orderEvents('GBP');
  await shop.log.publish('order', [
    ...ev.confirmedOrder(a, at('10:01:05'), [{ productId: 'gb-mug', name: 'Mug', quantity: 2, unitPriceMinor: 1200 }]),
    ...ev.confirmedOrder(b, at('10:01:40'), [
      { productId: 'gb-mug', name: 'Mug', quantity: 1, unitPriceMinor: 1200 },
      { productId: 'gb-lamp', name: 'Lamp', quantity: 1, unitPriceMinor: 9900 },
    ]),
    // Placed, reserved and then cancelled with a refund: placed counts, revenue does not.
    ev.event('order.placed', c, at('10:03:00'), { items: [{ productId: 'gb-lamp', quantity: 5 }] }),
    ev.event('order.stock_reserved', c, at('10:03:01'), { totalMinor: 49500, currency: 'GBP', items: [] }),
    ev.event('order.refunded', c, at('10:03:05'), { refundId: 're_c', amountMinor: 49500, currency: 'GBP' }),
    ev.event('order.cancelled', c, at('10:03:05'), { reason: 'stock_commit_failed' }),
    // A confirmed order refunded in full later: its revenue and its lines come back out.
    ...ev.confirmedOrder(d, at('10:04:10'), [{ productId: 'gb-pen', name: 'Pen', quantity: 10, unitPriceMinor: 150 }]),
    ev.event('order.refunded', d, at('10:07:00'), { refundId: 're_d', amountMinor: 1500, currency: 'GBP' }),
  ]);
  await eventually('consumed', async () => (await shop.log.lag('analytics', ['order'])) === 0);

  const summary = await shop.get(`/analytics/summary?from=${at('10:00:00')}&to=${at('10:10:00')}`);
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  assert.deepEqual(
    summary.body.perMinute.map((m: any) => [
      m.minute.slice(11, 16),
      m.ordersPlaced,
      m.ordersConfirmed,
      m.revenue.map((r: any) => r.netMinor),
    ]),
    [
      ['10:01', 2, 2, [2400 + 1200 + 9900]],
      ['10:03', 1, 0, []],
      ['10:04', 1, 1, [1500]],
      ['10:07', 0, 0, [-1500]],
    ],
  );
  assert.deepEqual(summary.body.totals, {
    ordersPlaced: 4,
    ordersConfirmed: 3,
    placedPerMinute: 0.4,
    confirmedPerMinute: 0.3,
    revenue: [{ currency: 'GBP', confirmedMinor: 15000, refundedMinor: 1500, netMinor: 13500 }],
  });
  assert.deepEqual(
    summary.body.allTime.revenue.find((r: any) => r.currency === 'GBP'),
    { currency: 'GBP', confirmedMinor: 15000, refundedMinor: 1500, netMinor: 13500 },
  );

  const narrow = await shop.get(`/analytics/summary?from=${at('10:03:00')}&to=${at('10:05:00')}`);
  assert.deepEqual(
    [narrow.body.totals.ordersPlaced, narrow.body.totals.ordersConfirmed],
    [2, 1],
    'minutes whose start is in [from, to)',
  );

  const byUnits = await shop.get('/analytics/top-products?currency=GBP');
  assert.equal(byUnits.status, 200);
  assert.deepEqual(byUnits.body, {
    by: 'units',
    items: [
      { productId: 'gb-mug', name: 'Mug', currency: 'GBP', units: 3, revenueMinor: 3600 },
      { productId: 'gb-lamp', name: 'Lamp', currency: 'GBP', units: 1, revenueMinor: 9900 },
    ],
  });
  const byRevenue = await shop.get('/analytics/top-products?currency=GBP&by=revenue&limit=1');
  assert.deepEqual(
    byRevenue.body.items.map((p: any) => p.productId),
    ['gb-lamp'],
  );
});

test('delivered twice, or confirmed twice under another event id, the figures do not change', async () => {
  const day = '2026-01-06';
  const ev = orderEvents('CHF');
  const order = uuidv7();
  const events = [
    ...ev.confirmedOrder(order, `${day}T08:00:00Z`, [
      { productId: 'ch-watch', name: 'Watch', quantity: 1, unitPriceMinor: 50000 },
    ]),
    ...ev.confirmedOrder(uuidv7(), `${day}T08:00:30Z`, [
      { productId: 'ch-watch', name: 'Watch', quantity: 2, unitPriceMinor: 50000 },
    ]),
  ];
  await shop.log.publish('order', events);
  await eventually('consumed', async () => (await shop.log.lag('analytics', ['order'])) === 0);
  const figures = async (): Promise<unknown> => [
    (await shop.get(`/analytics/summary?from=${day}T00:00:00Z&to=${day}T23:00:00Z`)).body,
    (await shop.get('/analytics/top-products?currency=CHF')).body,
  ];
  const once = await figures();
  assert.deepEqual((once as any)[0].totals.revenue, [
    { currency: 'CHF', confirmedMinor: 150000, refundedMinor: 0, netMinor: 150000 },
  ]);

  // The consumer stops, and while it is down the whole group is rewound (a consumer that
  // applied everything but never committed its position) and the order's confirmation
  // is published again under a new event id (a producer bug): all of it is delivered again.
  const confirmation = events.find((e) => e.type === 'order.confirmed' && e.key === order)!;
  await shop.restart(async () => {
    await shop.log.resetGroup('analytics', 'order', 0);
    await shop.log.publish('order', [ev.event('order.confirmed', order, `${day}T08:05:00Z`, confirmation.payload)]);
    assert.ok((await shop.log.lag('analytics', ['order'])) > events.length, 'the group has everything to read again');
  });
  await eventually('redelivered', async () => (await shop.log.lag('analytics', ['order'])) === 0);
  assert.deepEqual(await figures(), once);
});

test('a malformed payload is dead-lettered, and the events after it still count', async () => {
  const ev = orderEvents('SEK');
  const order = uuidv7();
  const bad = ev.event('order.confirmed', order, '2026-01-07T09:00:00Z', {
    totalMinor: -1,
    currency: 'SEK',
    items: [],
  });
  await shop.log.publish('order', [
    bad,
    ...ev.confirmedOrder(order, '2026-01-07T09:00:10Z', [
      { productId: 'se-chair', name: 'Chair', quantity: 1, unitPriceMinor: 700 },
    ]),
  ]);
  await eventually(
    'the good one counted',
    async () => (await shop.get('/analytics/top-products?currency=SEK')).body.items.length === 1,
  );
  const dead = await shop.log.listDeadLetters({ group: 'analytics' });
  assert.equal(dead.filter((d) => d.eventId === bad.id).length, 1);
  assert.match(dead.find((d) => d.eventId === bad.id)!.error, /totalMinor/);
});

test('only administrators: a customer is 403 whatever the query, no token is 401, both problem+json', async () => {
  const customer = { authorization: `Bearer ${await shop.issuer.token({ role: 'customer' })}` };
  for (const url of [
    '/analytics/summary',
    '/analytics/top-products',
    '/analytics/top-products?limit=abc',
    '/analytics/summary?from=yesterday',
  ]) {
    const forbidden = await shop.app.inject({ method: 'GET', url, headers: customer });
    assert.equal(forbidden.statusCode, 403, url);
    assert.equal(forbidden.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(forbidden.json().code, 'FORBIDDEN');
    const anonymous = await shop.app.inject({ method: 'GET', url });
    assert.equal(anonymous.statusCode, 401, url);
    assert.equal(anonymous.json().code, 'UNAUTHENTICATED');
  }
});

test('a bad query is a 400 naming the field', async () => {
  const cases: Array<[string, string]> = [
    ['/analytics/summary?from=2026-01-01T10:00:00Z&to=2026-01-01T09:00:00Z', 'query/from'],
    ['/analytics/summary?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query/from'],
    ['/analytics/summary?to=2026-06-30T23:59:60Z', 'query/to'],
    ['/analytics/summary?to=tomorrow', 'query/to'],
    ['/analytics/summary?window=1h', 'query/window'],
    ['/analytics/top-products?limit=0', 'query/limit'],
    ['/analytics/top-products?limit=101', 'query/limit'],
    ['/analytics/top-products?by=profit', 'query/by'],
    ['/analytics/top-products?currency=usd', 'query/currency'],
  ];
  for (const [url, field] of cases) {
    const response = await shop.get(url);
    assert.equal(response.status, 400, `${url}: ${JSON.stringify(response.body)}`);
    assert.equal(response.contentType, 'application/problem+json; charset=utf-8');
    assert.equal(response.body.errors?.[0]?.field, field, url);
  }
});

test('property: hostile query strings never cause a 5xx', async () => {
  const nasty = fc.constantFrom(
    '',
    ' ',
    '\u0000',
    "'; DROP TABLE product_sales; --",
    '%',
    '%ZZ',
    '💥',
    '1e999',
    '-1',
    'NaN',
    'null',
    '[]',
    '{}',
    'x'.repeat(3000),
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2026-02-30T00:00:00Z',
    '2026-06-30T23:59:60Z',
    '+275760-09-13T00:00:00Z',
    'USD',
    'revenue',
    '100',
  );
  const text = fc.oneof(
    nasty,
    fc.string({ maxLength: 60 }),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.integer().map(String),
  );
  const key = fc.oneof(
    { arbitrary: fc.constantFrom('from', 'to', 'limit', 'by', 'currency', '__proto__', 'limit[]'), weight: 5 },
    { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
  );
  const encode = (value: string): string => {
    try {
      return encodeURIComponent(value);
    } catch {
      return value.replace(/[^A-Za-z0-9]/g, '%');
    }
  };
  const statuses = new Set<number>();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/analytics/summary', '/analytics/top-products'),
      fc.array(fc.tuple(key, text), { maxLength: 4 }),
      async (path, pairs) => {
        const query = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
        const response = await shop.get(`${path}?${query}`);
        statuses.add(response.status);
        assert.ok(
          response.status < 500,
          `${path}?${query} -> ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
        );
        if (response.status >= 400) assert.equal(response.contentType, 'application/problem+json; charset=utf-8');
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(statuses.has(200) && statuses.has(400), `the property reached the database: ${[...statuses].join(',')}`);
});
