import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@shop/platform';
import { addressKey } from '../domain/declineLimit.ts';
import { requestFingerprint, type KeyVerdict } from '../domain/idempotency.ts';
import { isTerminal, Order } from '../domain/order.ts';
import type { IdempotencyKeys, OrderStore } from '../domain/ports.ts';
import { admitNewCheckout, type DeclineLimits } from './declineLimits.ts';
import { driveSaga } from './driveSaga.ts';
import { orderWithHistory, type OrderView } from './orderView.ts';
import type { SagaDeps } from './saga.ts';

export interface PlaceOrderDeps {
  store: OrderStore;
  keys: IdempotencyKeys;
  saga: SagaDeps;
  defaultPaymentMethod: string;
  /** The card-testing limit: declined payments per user and client address. */
  declines: DeclineLimits;
  /** Sagas still being driven after their request was answered 202; awaited on shutdown. */
  background: Set<Promise<unknown>>;
  /** Aborted on shutdown: background sagas stop after their current step. */
  stopping: AbortSignal;
  /** Runs work outside the caller's deadline (the saga outlives the request that started it). */
  detach: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface PlaceOrderInput {
  userId: string;
  email: string;
  /** The end client's address (request.clientAddress); '' when unknown. */
  clientAddress: string;
  idempotencyKey: string;
  body: { paymentMethod?: string } | undefined;
  correlationId: string;
  /** How long the saga may run before the answer: past it, 202 and the saga goes on without the caller. */
  syncBudgetMs: number;
  /** Epoch ms by which the caller must have its answer (its deadline, less a margin). */
  deadline: number;
}

export interface PlaceOrderResult {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** A checkout past its key: when to answer by, and the order it resumes (null: a new one). */
interface Checkout {
  input: PlaceOrderInput;
  answerBy: number;
  paymentMethod: string;
  existingOrderId: string | null;
}

/** Retry-After when payments are down: the circuit tries a call again after a while. */
const PAYMENT_RETRY_AFTER_SEC = 5;

/**
 * Checkout. The idempotency key (Stripe's semantics) decides first: replay,
 * refuse a reused key, wait for (then replay or take over) a request with the
 * same key still in flight, or carry on. A checkout that has no order yet
 * must then pass the card-testing limit (429, the key left free). Then the cart
 * becomes a `pending` order (in the transaction that ties it to the key) and
 * the saga is driven for the sync budget (within the deadline): 201 when it ended in time
 * (confirmed, cancelled, failed), 202 when it waits (payment pending) or is
 * still going, in which case this instance keeps driving it in the
 * background (and, if it dies, recovery on any instance resumes it). The
 * budget comes from the caller's deadline, so a burst of checkouts never
 * makes the gateway give up on a request whose order then exists anyway.
 */
export async function placeOrder(deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  if (deps.saga.payment.available?.() === false) {
    // Fail fast, before a key or an order exists: a retry with the same key starts afresh.
    throw new AppError('DEPENDENCY_UNAVAILABLE', {
      retryAfter: PAYMENT_RETRY_AFTER_SEC,
      detail: 'Payments are unavailable right now; nothing was ordered or charged. Please try again shortly.',
    });
  }
  const body = input.body ?? {};
  const verdict = await claimKey(deps, input, requestFingerprint(input.userId, body));
  switch (verdict.kind) {
    case 'replay':
      return { status: verdict.status, body: verdict.body, replayed: true };
    case 'reused':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', {
        detail: 'This Idempotency-Key was used with a different request',
      });
    case 'in_flight':
      throw new AppError('REQUEST_IN_PROGRESS', {
        retryAfter: 1,
        detail: 'A request with this Idempotency-Key is still in flight',
      });
    case 'proceed':
    case 'take_over':
      break;
  }
  const checkout: Checkout = {
    input,
    answerBy: Math.min(Date.now() + input.syncBudgetMs, input.deadline),
    paymentMethod: body.paymentMethod ?? deps.defaultPaymentMethod,
    existingOrderId: verdict.kind === 'take_over' ? verdict.orderId : null,
  };
  const letGo = deps.keys.hold(input.userId, input.idempotencyKey);
  try {
    return await carryOut(deps, checkout);
  } finally {
    letGo();
  }
}

/** How often a duplicate looks again at the key of the request it waits for. */
const DUPLICATE_POLL_MS = 100;

/**
 * Claims the key. A duplicate of a request still in flight (a client's retry,
 * or the gateway's after the first instance died) waits for the first one's
 * answer, which it then replays, or for its holder to stop renewing the lock,
 * and then takes over; only if neither happens by the caller's deadline is it
 * 409. The wait may outlast the sync budget: a holder that was SIGKILLed keeps
 * its lock until the lock expires, and the duplicate is what finishes its work.
 */
async function claimKey(deps: PlaceOrderDeps, input: PlaceOrderInput, fingerprint: string): Promise<KeyVerdict> {
  for (;;) {
    const verdict = await deps.keys.begin(input.userId, input.idempotencyKey, fingerprint);
    if (verdict.kind !== 'in_flight' || Date.now() + DUPLICATE_POLL_MS > input.deadline) return verdict;
    await sleep(DUPLICATE_POLL_MS);
  }
}

async function carryOut(deps: PlaceOrderDeps, checkout: Checkout): Promise<PlaceOrderResult> {
  const { input } = checkout;
  const orderId = checkout.existingOrderId ?? (await admitAndCreate(deps, checkout));
  try {
    const drive = driveInBackground(deps, orderId);
    await Promise.race([drive, sleep(Math.max(0, checkout.answerBy - Date.now()), undefined, { ref: false })]);
    const stored = await deps.store.orders.load(orderId);
    if (!stored) throw new Error(`Order ${orderId} vanished`);
    const view: OrderView = await orderWithHistory(deps.store.orders, stored);
    const status = isTerminal(stored.state.status) ? 201 : 202;
    await deps.keys.complete(input.userId, input.idempotencyKey, { status, body: view });
    return { status, body: view, replayed: false };
  } catch (error) {
    await deps.keys.unlock(input.userId, input.idempotencyKey).catch(() => undefined);
    throw error;
  }
}

/** A new checkout: past the card-testing limit, the cart becomes an order; on refusal the key is freed. */
async function admitAndCreate(deps: PlaceOrderDeps, checkout: Checkout): Promise<string> {
  const { input } = checkout;
  try {
    const address = addressKey(input.clientAddress);
    await admitNewCheckout(deps.declines, input.userId, address);
    return await createOrder(deps, checkout, address);
  } catch (error) {
    await deps.keys.abandon(input.userId, input.idempotencyKey).catch(() => undefined);
    throw error;
  }
}

/**
 * Drives the saga as far as it goes now, then gives up its lease; kept in
 * `deps.background` until done. A failure is logged, not thrown: the order
 * is persisted step by step and recovery resumes it.
 */
function driveInBackground(deps: PlaceOrderDeps, orderId: string): Promise<void> {
  // The saga outlives the request that started it: its calls are not bound by that caller's deadline.
  const drive = deps
    .detach(async () => {
      try {
        await driveSaga(deps.saga, orderId, deps.stopping);
      } finally {
        await deps.store.orders.releaseLease(orderId, deps.saga.owner).catch(() => undefined);
      }
    })
    .catch((error: unknown) =>
      deps.saga.logger.warn(
        { orderId, err: error instanceof Error ? error.message : String(error) },
        'checkout saga stopped early; recovery resumes it',
      ),
    );
  deps.background.add(drive);
  void drive.finally(() => deps.background.delete(drive));
  return drive;
}

async function createOrder(deps: PlaceOrderDeps, checkout: Checkout, clientAddress: string | null): Promise<string> {
  const { input } = checkout;
  const id = randomUUID();
  await deps.store.transaction(async ({ carts, orders, keys }) => {
    const lines = await carts.lines(input.userId);
    if (lines.length === 0) throw new AppError('UNPROCESSABLE', { detail: 'The cart is empty' });
    const order = Order.place({
      id,
      userId: input.userId,
      email: input.email,
      paymentMethod: checkout.paymentMethod,
      correlationId: input.correlationId,
      lines,
    });
    await orders.insert(order, { owner: deps.saga.owner, ms: deps.saga.leaseMs }, clientAddress);
    await keys.attachOrder(input.userId, input.idempotencyKey, id);
  });
  return id;
}
