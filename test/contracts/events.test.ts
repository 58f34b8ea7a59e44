// The contract test: every producer writes its events through its real code
// paths (order, payment, product and user, each on a real PostgreSQL through
// its public API), and every event written is checked against its contract
// and against the schema of every consumer of its type (@shop/contracts:
// CONSUMED_EVENTS). A producer that writes a field a consumer requires with
// another type, a consumed type no producer writes, or an event on the wrong
// topic or version fails it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_CONTRACTS } from '@shop/contracts';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startOrderService, type OrderServiceUnderTest } from '../order/support/orderService.ts';
import { startPayment, startSandbox, type PaymentService, type RunningSandbox } from '../payment/support.ts';
import { startProductService, type ProductServiceUnderTest } from '../product/support/productService.ts';
import { startUserService, type UserService } from '../user/harness.ts';
import { breaches, consumersOf, unexercised, writtenEvents, type WrittenEvent } from './checks.ts';
import { driveOrders, drivePayments, driveProducts, driveUsers, RefundFailingPaymentDouble } from './producers.ts';

let cluster: TestCluster;
let order: OrderServiceUnderTest;
let sandbox: RunningSandbox;
let payment: PaymentService;
let product: ProductServiceUnderTest;
let user: UserService;
const written: WrittenEvent[] = [];

before(async () => {
  cluster = await startEmbeddedCluster('contracts');
  order = await startOrderService(cluster.adminUrl, { payment: new RefundFailingPaymentDouble() });
  sandbox = await startSandbox();
  payment = await startPayment(cluster.adminUrl, sandbox.url, {}, { reconciler: false });
  product = await startProductService(cluster.adminUrl);
  user = await startUserService(cluster);
  await driveOrders(order);
  await drivePayments(payment.app);
  await driveProducts(product);
  await driveUsers(user.app);
  written.push(
    ...(await writtenEvents(order.db, 'order')),
    ...(await writtenEvents(payment.db, 'payment')),
    ...(await writtenEvents(product.db, 'product')),
    ...(await writtenEvents(user.db, 'user')),
  );
});
after(async () => {
  await order?.close();
  await payment?.close();
  await sandbox?.close();
  await product?.close();
  await user?.close();
  await cluster?.close();
});

describe('every producer against every consumer schema', () => {
  for (const producer of ['order', 'payment', 'product', 'user']) {
    test(`${producer}: every event written keeps its contract and its consumers' schemas`, () => {
      const mine = written.filter((e) => e.producer === producer);
      assert.ok(mine.length > 0, `${producer} wrote no events`);
      assert.deepEqual(mine.flatMap(breaches), []);
    });
  }

  test('every event type a consumer reads, and every declared type, was written by its producer', () => {
    assert.deepEqual(unexercised(written), [], 'consumed types no producer wrote');
    const types = new Set(written.map((e) => e.type));
    assert.deepEqual(
      Object.keys(EVENT_CONTRACTS).filter((type) => !types.has(type)),
      [],
      'contracts no producer exercised',
    );
  });

  test('a producer writing a field a consumer requires with another type is caught', () => {
    const confirmed = written.find((e) => e.type === 'order.confirmed');
    assert.ok(confirmed, 'the order service wrote order.confirmed');
    const payload = structuredClone(confirmed.envelope.payload) as { items: Array<{ name: unknown }> };
    payload.items[0]!.name = null;
    const tampered = { ...confirmed, envelope: { ...confirmed.envelope, payload } };
    const problems = breaches(tampered);
    assert.deepEqual(
      consumersOf('order.confirmed').map((c) => c.consumer),
      ['notification', 'analytics'],
    );
    for (const consumer of ['notification', 'analytics'])
      assert.ok(
        problems.some((p) => p.startsWith(`order -> ${consumer}: order.confirmed /items/0/name`)),
        problems.join('\n'),
      );
  });
});
