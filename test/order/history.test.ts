// Event sourcing: the order history rebuilt from the `order` topic alone, from
// offset 0, equals the live one in the order service's tables. Real checkouts
// (TEST DOUBLES for product and payment, doubles.ts) through every saga path,
// relayed by the outbox relay to each bus backend: the PostgreSQL log and NATS
// JetStream (skipped when NATS is unreachable, a failure with CI=true).
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { provisionServiceDatabases } from '@shop/data';
import { createJetStreamBus, createPgEventLog, migrateEventLog, startOutboxRelay, type EventBus } from '@shop/events';
import { readOrderHistories, rebuildOrderHistory, type OrderHistory } from '@shop/order-service';
import { startEmbeddedCluster, uniquePrefix, type TestCluster } from '../support/postgres.ts';
import { logger } from '../events/harness.ts';
import { backendsUnderTest, uniqueNamespace } from '../events/nats.ts';
import { eventually, startOrderService, type OrderServiceUnderTest } from './support/orderService.ts';

const backends = await backendsUnderTest();

let cluster: TestCluster;
before(async () => {
  cluster = await startEmbeddedCluster('order-history');
});
after(async () => {
  await cluster.close();
});

async function busFor(backend: (typeof backends)[number]): Promise<{ bus: EventBus; close(): Promise<void> }> {
  if (backend.options.nats) {
    const bus = createJetStreamBus({ servers: backend.options.nats, namespace: uniqueNamespace(), logger });
    await bus.ready();
    return {
      bus,
      close: async () => {
        await bus.destroyNamespace();
        await bus.close();
      },
    };
  }
  const prefix = uniquePrefix('hev');
  const [events] = await provisionServiceDatabases({
    adminUrl: cluster.adminUrl,
    services: ['events'],
    prefix,
    password: () => `pw-${prefix}`,
  });
  await migrateEventLog({ connectionString: events!.url });
  const bus = createPgEventLog({ connectionString: events!.url, logger });
  return { bus, close: () => bus.close() };
}

interface Shopper {
  lines: Array<{ priceMinor?: number; quantity?: number; stock?: number; commitConflicts?: boolean }>;
  paymentMethod?: string;
}

/** Fills a fresh user's cart and checks out once; the order id. */
async function checkout(svc: OrderServiceUnderTest, shopper: Shopper): Promise<string> {
  const headers = await svc.auth({ email: `${randomUUID().slice(0, 8)}@example.com` });
  for (const line of shopper.lines) {
    const p = svc.product.add({
      priceMinor: line.priceMinor ?? 1000,
      stock: line.stock ?? 100,
      commitConflicts: line.commitConflicts ?? false,
    });
    const res = await svc.app.inject({
      method: 'PUT',
      url: `/orders/cart/items/${p.id}`,
      headers,
      payload: { quantity: line.quantity ?? 1 },
    });
    assert.equal(res.statusCode, 200, res.body);
  }
  const res = await svc.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...headers, 'idempotency-key': randomUUID() },
    payload: shopper.paymentMethod ? { paymentMethod: shopper.paymentMethod } : undefined,
  });
  assert.ok(res.statusCode === 201 || res.statusCode === 202, res.body);
  return res.json().id as string;
}

const sorted = (histories: Map<string, OrderHistory>): OrderHistory[] =>
  [...histories.values()].sort((a, b) => a.orderId.localeCompare(b.orderId));

for (const backend of backends) {
  describe(`order history from the events: ${backend.name}`, { skip: backend.skip }, () => {
    test('rebuilt from offset 0, the history of every order equals the live one, whatever path its saga took', async () => {
      const svc = await startOrderService(cluster.adminUrl);
      const world = await busFor(backend);
      const bus = world.bus;
      const relay = startOutboxRelay({ db: svc.db, log: bus, logger, pollIntervalMs: 20 });
      try {
        const settles = await checkout(svc, { lines: [{}], paymentMethod: 'pm_pending' });
        const orders = {
          confirmed: await checkout(svc, { lines: [{ priceMinor: 1999, quantity: 2 }, { priceMinor: 500 }] }),
          declined: await checkout(svc, { lines: [{}], paymentMethod: 'pm_card_declined' }),
          outOfStock: await checkout(svc, { lines: [{ stock: 1, quantity: 3 }] }),
          refunded: await checkout(svc, { lines: [{ commitConflicts: true, priceMinor: 4200 }] }),
          stillPending: await checkout(svc, { lines: [{ quantity: 4 }], paymentMethod: 'pm_pending' }),
          settles,
        };
        svc.payment.settle(settles, 'succeeded');
        const live = async (): Promise<Map<string, OrderHistory>> => readOrderHistories(svc.db);
        await eventually(
          async () => ((await live()).get(settles)?.status === 'confirmed' ? true : undefined),
          'the pending payment settled and confirmed by recovery',
        );
        await eventually(
          async () =>
            (await svc.db.query('SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT 1')).rowCount === 0
              ? true
              : undefined,
          'the outbox relayed',
        );

        const rebuilt = await rebuildOrderHistory(bus);
        const expected = await live();
        assert.deepEqual(
          Object.fromEntries(
            Object.entries(orders).map(([path, id]) => [
              path,
              expected
                .get(id)
                ?.statuses.map((s) => s.status)
                .join('>'),
            ]),
          ),
          {
            confirmed: 'pending>stock_reserved>paid>confirmed',
            declined: 'pending>stock_reserved>cancelling>cancelled',
            outOfStock: 'pending>cancelled',
            refunded: 'pending>stock_reserved>paid>cancelling>cancelled',
            stillPending: 'pending>stock_reserved>payment_pending',
            settles: 'pending>stock_reserved>payment_pending>paid>confirmed',
          },
          'control: the orders took every path of the saga',
        );
        assert.equal(
          expected.get(orders.refunded)?.refundId?.startsWith('re_'),
          true,
          'control: a refund is part of the history',
        );
        assert.equal(rebuilt.size, Object.keys(orders).length);
        assert.deepEqual(sorted(rebuilt), sorted(expected));
      } finally {
        await relay.stop();
        await world.close();
        await svc.close();
      }
    });
  });
}
