import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import type { Database } from '@shop/data';
import { requestFingerprint } from '../domain/idempotency.ts';
import { isTerminal, Order } from '../domain/order.ts';
import type { CartRepository } from '../adapters/cartRepository.ts';
import type { IdempotencyStore } from '../adapters/idempotencyStore.ts';
import type { OrderRepository } from '../adapters/orderRepository.ts';
import { driveSaga, type SagaDeps } from './driveSaga.ts';
import { orderWithHistory, type OrderView } from './orderView.ts';

export interface PlaceOrderDeps {
  db: Database;
  carts: CartRepository;
  orders: OrderRepository;
  keys: IdempotencyStore;
  saga: SagaDeps;
  defaultPaymentMethod: string;
}

export interface PlaceOrderInput {
  userId: string;
  email: string;
  idempotencyKey: string;
  body: { paymentMethod?: string } | undefined;
  correlationId: string;
}

export interface PlaceOrderResult {
  status: number;
  body: unknown;
  replayed: boolean;
}

/**
 * Checkout. The idempotency key (Stripe's semantics) decides first: replay,
 * refuse a reused key, refuse while in flight, or carry on. Then the cart
 * becomes a `pending` order (in the transaction that ties it to the key) and
 * the saga is driven as far as it goes now: 201 when it ended (confirmed,
 * cancelled, failed), 202 when it waits (payment pending) and will finish in
 * the background.
 */
export async function placeOrder(deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const body = input.body ?? {};
  const verdict = await deps.keys.begin(input.userId, input.idempotencyKey, requestFingerprint(input.userId, body));
  switch (verdict.kind) {
    case 'replay':
      return { status: verdict.status, body: verdict.body, replayed: true };
    case 'reused':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', { detail: 'This Idempotency-Key was used with a different request' });
    case 'in_flight':
      throw new AppError('REQUEST_IN_PROGRESS', { retryAfter: 1, detail: 'A request with this Idempotency-Key is still in flight' });
    case 'proceed':
    case 'take_over':
      break;
  }

  let orderId = verdict.kind === 'take_over' ? verdict.orderId : null;
  try {
    orderId ??= await createOrder(deps, input, body.paymentMethod ?? deps.defaultPaymentMethod);
  } catch (error) {
    await deps.keys.abandon(input.userId, input.idempotencyKey).catch(() => undefined);
    throw error;
  }

  try {
    const state = await driveSaga(deps.saga, orderId);
    await deps.orders.releaseLease(orderId, deps.saga.owner);
    const stored = await deps.orders.load(orderId);
    if (!state || !stored) throw new Error(`Order ${orderId} vanished`);
    const view: OrderView = await orderWithHistory(deps.orders, stored);
    const status = isTerminal(stored.state.status) ? 201 : 202;
    await deps.keys.complete(input.userId, input.idempotencyKey, status, view);
    return { status, body: view, replayed: false };
  } catch (error) {
    await deps.keys.unlock(input.userId, input.idempotencyKey).catch(() => undefined);
    throw error;
  }
}

async function createOrder(deps: PlaceOrderDeps, input: PlaceOrderInput, paymentMethod: string): Promise<string> {
  const id = randomUUID();
  await deps.db.transaction(async (client) => {
    const lines = await deps.carts.lines(input.userId, client);
    if (lines.length === 0) throw new AppError('UNPROCESSABLE', { detail: 'The cart is empty' });
    const order = Order.place({ id, userId: input.userId, email: input.email, paymentMethod, correlationId: input.correlationId, lines });
    await deps.orders.insert(client, order, { owner: deps.saga.owner, ms: deps.saga.leaseMs });
    await deps.keys.attachOrder(client, input.userId, input.idempotencyKey, id);
  });
  return id;
}
