import { ConcurrentChangeError, isTerminal, Order, type OrderState } from '../domain/order.ts';
import type { SagaDeps, SagaState, Step } from './saga.ts';
import { chargeStep, commitStep, compensateStep, reserveStep } from './sagaSteps.ts';

export type { SagaDeps } from './saga.ts';

const MAX_STEPS = 12;

/**
 * Drives one checkout saga forward from its persisted state until it is
 * terminal or must wait (payment pending, a peer unavailable). Every step
 * repeats safely: the reservation id and the payment keys derive from the order
 * id, so re-driving after a crash asks the peers the same question again.
 * Peer calls never happen inside a database transaction.
 */
export async function driveSaga(
  deps: SagaDeps,
  orderId: string,
  signal?: AbortSignal,
): Promise<OrderState | undefined> {
  let stored = await deps.store.orders.load(orderId);
  if (!stored) return undefined;
  // A saved step leaves the order exactly as stored (the save is conditional
  // on the status it was loaded in), so the next step goes on from memory; it
  // is read again only when the save lost a race or failed.
  let order = Order.rehydrate(stored.state);
  let attempts = stored.attempts;
  for (let i = 0; i < MAX_STEPS; i++) {
    if (isTerminal(order.status) || signal?.aborted) return order.state;
    let step: Step;
    try {
      step = await advance(deps, { order, attempts, signal });
    } catch (error) {
      if (isPermanentBug(error)) throw error;
      if (!(error instanceof ConcurrentChangeError)) return waitAfterFailure(deps, order, error);
      // Someone else moved it: look again.
      stored = await deps.store.orders.load(orderId);
      if (!stored) return undefined;
      order = Order.rehydrate(stored.state);
      attempts = stored.attempts;
      continue;
    }
    if (step === 'waiting') return order.state;
    attempts = 0; // a saved step starts the count afresh
  }
  return order.state;
}

/** A transient failure: counted on the order, which recovery drives again later. */
async function waitAfterFailure(deps: SagaDeps, order: Order, error: unknown): Promise<OrderState | undefined> {
  const orderId = order.state.id;
  deps.logger.warn(
    { orderId, status: order.status, err: error instanceof Error ? error.message : String(error) },
    'saga step failed; will retry',
  );
  await deps.store.orders.recordFailedAttempt(orderId);
  return (await deps.store.orders.load(orderId))?.state;
}

function isPermanentBug(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;
}

/** One step from the order's current status. */
function advance(deps: SagaDeps, saga: SagaState): Promise<Step> {
  const status = saga.order.status;
  switch (status) {
    case 'pending':
      return reserveStep(deps, saga);
    case 'stock_reserved':
    case 'payment_pending':
      return chargeStep(deps, saga);
    case 'paid':
      return commitStep(deps, saga);
    case 'cancelling':
      return compensateStep(deps, saga);
    case 'confirmed':
    case 'cancelled':
    case 'failed':
      return Promise.resolve('waiting');
  }
}
