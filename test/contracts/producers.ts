// Each producer writing its events through its real code paths: the services
// built by their own createApp on a real PostgreSQL, driven through their
// public HTTP APIs (in process, app.inject). Each drive makes every event type
// the service produces at least once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ServiceApp } from '@shop/platform';
import type { RefundOutcome, RefundRequest } from '@shop/order-service';
import { PaymentServiceDouble } from '../order/support/doubles.ts';
import { eventually, type OrderServiceUnderTest } from '../order/support/orderService.ts';
import { createProduct, type ProductServiceUnderTest } from '../product/support/productService.ts';
import { logIn, signUp } from '../user/harness.ts';

/** A payment double whose refunds of charges made with `pm_refund_fails` fail (order.failed needs one). */
export class RefundFailingPaymentDouble extends PaymentServiceDouble {
  override refund(request: RefundRequest): Promise<RefundOutcome> {
    const charge = [...this.charges.values()].find((c) => c.paymentId === request.paymentId);
    if (charge?.request.paymentMethod === 'pm_refund_fails')
      return Promise.resolve({ refundId: `re_${randomUUID()}`, status: 'failed' });
    return super.refund(request);
  }
}

const SETTLED = new Set(['confirmed', 'cancelled', 'failed', 'payment_pending']);

/** One checkout through the order API, followed until the saga rests; returns the order's final status. */
async function checkout(
  svc: OrderServiceUnderTest,
  options: { paymentMethod?: string; commitConflicts?: boolean; stock?: number } = {},
): Promise<string> {
  const headers = await svc.auth({ email: `${randomUUID().slice(0, 8)}@example.com` });
  const product = svc.product.add({ stock: options.stock ?? 100, commitConflicts: options.commitConflicts ?? false });
  const put = await svc.app.inject({
    method: 'PUT',
    url: `/orders/cart/items/${product.id}`,
    headers,
    payload: { quantity: 2 },
  });
  assert.equal(put.statusCode, 200, put.body);
  if (options.stock === 0) product.stock = 0;
  const placed = await svc.app.inject({
    method: 'POST',
    url: '/orders',
    headers: { ...headers, 'idempotency-key': randomUUID() },
    payload: options.paymentMethod ? { paymentMethod: options.paymentMethod } : {},
  });
  assert.ok(placed.statusCode === 201 || placed.statusCode === 202, placed.body);
  const id = placed.json<{ id: string }>().id;
  return eventually(async () => {
    const order = await svc.app.inject({ method: 'GET', url: `/orders/${id}`, headers });
    const status = order.json<{ status: string }>().status;
    return SETTLED.has(status) ? status : undefined;
  }, `order ${id} to rest`);
}

/** Every saga path: confirmed, declined, refunded after a failed commit, pending payment, out of stock, failed. */
export async function driveOrders(svc: OrderServiceUnderTest): Promise<void> {
  assert.equal(await checkout(svc), 'confirmed');
  assert.equal(await checkout(svc, { paymentMethod: 'pm_card_declined' }), 'cancelled');
  assert.equal(await checkout(svc, { commitConflicts: true }), 'cancelled');
  assert.equal(await checkout(svc, { paymentMethod: 'pm_pending' }), 'payment_pending');
  assert.equal(await checkout(svc, { stock: 0 }), 'cancelled');
  assert.equal(await checkout(svc, { paymentMethod: 'pm_refund_fails', commitConflicts: true }), 'failed');
}

function charge(app: ServiceApp, paymentMethod: string) {
  return app.inject({
    method: 'POST',
    url: '/payments/charges',
    headers: { 'idempotency-key': randomUUID() },
    payload: { orderId: randomUUID(), userId: randomUUID(), amountMinor: 2599, currency: 'EUR', paymentMethod },
  });
}

/** A charge that succeeds and is refunded, one declined, one the provider fails. */
export async function drivePayments(app: ServiceApp): Promise<void> {
  const paid = await charge(app, 'pm_card_visa');
  assert.equal(paid.json<{ status: string }>().status, 'succeeded', paid.body);
  const refund = await app.inject({
    method: 'POST',
    url: `/payments/charges/${paid.json<{ paymentId: string }>().paymentId}/refunds`,
    headers: { 'idempotency-key': randomUUID() },
    payload: { amountMinor: 1000 },
  });
  assert.equal(refund.json<{ status: string }>().status, 'succeeded', refund.body);
  assert.equal((await charge(app, 'pm_card_chargeDeclined')).json<{ status: string }>().status, 'declined');
  assert.equal((await charge(app, 'pm_card_processingError')).json<{ status: string }>().status, 'failed');
}

/** A product created, one deleted; a reservation committed, one released. */
export async function driveProducts(shop: ProductServiceUnderTest): Promise<void> {
  const input = { brand: 'Acme', category: 'toys', priceMinor: 1250, stock: 10 };
  const kept = await createProduct(shop, { ...input, sku: 'CT-KEPT-1', name: 'Contract lamp' });
  const gone = await createProduct(shop, { ...input, sku: 'CT-GONE-1', name: 'Contract chair' });
  const deleted = await shop.app.inject({
    method: 'DELETE',
    url: `/products/${gone}`,
    headers: await shop.auth('admin'),
  });
  assert.equal(deleted.statusCode, 204, deleted.body);
  for (const action of ['commit', 'release']) {
    const reservationId = randomUUID();
    const held = await shop.app.inject({
      method: 'POST',
      url: '/inventory/reservations',
      payload: { reservationId, items: [{ productId: kept, quantity: 1 }] },
    });
    assert.equal(held.statusCode, 201, held.body);
    const settled = await shop.app.inject({
      method: 'POST',
      url: `/inventory/reservations/${reservationId}/${action}`,
    });
    assert.equal(settled.statusCode, 200, settled.body);
  }
}

/** A sign-up, and a log-out that revokes the session. */
export async function driveUsers(app: ServiceApp): Promise<void> {
  await signUp(app, 'contract@example.com');
  const tokens = await logIn(app, 'contract@example.com');
  const out = await app.inject({
    method: 'DELETE',
    url: '/users/sessions/current',
    payload: { refreshToken: tokens.refreshToken },
  });
  assert.equal(out.statusCode, 204, out.body);
}
