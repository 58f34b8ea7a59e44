/**
 * The checkout saga's steps, one per status it can leave (driveSaga.ts
 * drives them): reserve the stock, charge, commit the stock, and the
 * compensation. Each asks its peer, moves the order and saves the move.
 */
import { chargeKeyFor, refundKeyFor, reservationIdFor } from '../domain/idempotency.ts';
import { OrderRuleError } from '../domain/order.ts';
import { PeerRejectedError, type ChargeOutcome, type ReserveOutcome } from '../domain/ports.ts';
import { recordDecline } from './declineLimits.ts';
import { saveMove, type SagaDeps, type SagaState, type Step } from './saga.ts';

/** `pending`: reserve the stock at current prices, or cancel. */
export async function reserveStep(deps: SagaDeps, { order, attempts, signal }: SagaState): Promise<Step> {
  const s = order.state;
  let outcome: ReserveOutcome;
  try {
    const items = s.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
    outcome = await deps.product.reserve({ reservationId: reservationIdFor(s.id), items }, signal);
  } catch (error) {
    if (error instanceof PeerRejectedError)
      order.cancel(
        error.status === 404 || error.status === 422 ? 'product_unavailable' : `reservation_rejected: ${error.message}`,
      );
    // The reservation may have been made without us hearing back: release it to be sure.
    else if (attempts + 1 >= (deps.maxReserveAttempts ?? 5)) order.beginCancelling('stock_service_unavailable');
    else throw error;
    await saveMove(deps, order, 'pending');
    return 'advanced';
  }
  if (outcome.kind === 'insufficient') order.cancel('out_of_stock');
  else {
    try {
      order.reserveStock(outcome.items);
    } catch (error) {
      if (!(error instanceof OrderRuleError)) throw error;
      order.beginCancelling(`pricing_invalid: ${error.message}`);
    }
  }
  await saveMove(deps, order, 'pending');
  return 'advanced';
}

/** `stock_reserved` / `payment_pending`: charge (or ask again, same key) and move on the answer. */
export async function chargeStep(deps: SagaDeps, { order, signal }: SagaState): Promise<Step> {
  const s = order.state;
  const from = order.status;
  let outcome: ChargeOutcome;
  try {
    outcome = await deps.payment.charge(
      {
        idempotencyKey: chargeKeyFor(s.id),
        orderId: s.id,
        userId: s.userId,
        amountMinor: s.totalMinor ?? 0,
        currency: s.currency ?? 'USD',
        paymentMethod: s.paymentMethod,
      },
      signal,
    );
  } catch (error) {
    if (error instanceof PeerRejectedError) {
      order.beginCancelling(`payment_rejected: ${error.code ?? error.status}`);
      await saveMove(deps, order, from);
      return 'advanced';
    }
    // No answer: the card may or may not have been charged. Say so, and ask again later with the same key.
    if (from !== 'stock_reserved') throw error;
    order.awaitPayment(null);
    await saveMove(deps, order, from);
    return 'waiting';
  }
  return settleCharge(deps, order, outcome);
}

async function settleCharge(deps: SagaDeps, order: SagaState['order'], outcome: ChargeOutcome): Promise<Step> {
  const from = order.status;
  if (outcome.kind === 'pending') {
    if (from === 'payment_pending') {
      await deps.store.orders.recordFailedAttempt(order.state.id);
      return 'waiting';
    }
    order.awaitPayment(outcome.paymentId);
    await saveMove(deps, order, from);
    return 'waiting';
  }
  if (outcome.status === 'succeeded') order.markPaid(outcome.paymentId);
  else
    order.beginCancelling(
      outcome.status === 'declined'
        ? `payment_declined${outcome.declineCode ? `: ${outcome.declineCode}` : ''}`
        : 'payment_failed',
    );
  // Only the issuer's refusal counts toward the card-testing limit; a provider
  // error ('failed') says nothing about the card and is not the client's doing.
  const declined = outcome.status === 'declined' ? recordDecline(deps.declines, order.state.id) : undefined;
  await saveMove(deps, order, from, declined);
  return 'advanced';
}

/** `paid`: the reserved units leave the shelf (confirmed, the lines leave the cart), or compensate. */
export async function commitStep(deps: SagaDeps, { order, signal }: SagaState): Promise<Step> {
  const s = order.state;
  let result: 'committed' | 'conflict';
  try {
    result = await deps.product.commit(reservationIdFor(s.id), signal);
  } catch (error) {
    if (!(error instanceof PeerRejectedError)) throw error; // transient: commit again later
    result = 'conflict';
  }
  if (result === 'committed') {
    order.confirm();
    // The ordered lines leave the cart; lines added since checkout stay.
    const ordered = s.lines.map((l) => l.productId);
    await saveMove(deps, order, 'paid', (unit) => unit.carts.removeProducts(s.userId, ordered));
  } else {
    order.beginCancelling('stock_commit_failed');
    await saveMove(deps, order, 'paid');
  }
  return 'advanced';
}

/** `cancelling`, compensation in reverse: refund a captured charge, release the stock, then cancelled. */
export async function compensateStep(deps: SagaDeps, { order, signal }: SagaState): Promise<Step> {
  const s = order.state;
  let refund: { refundId: string } | null = null;
  let refundFailed = false;
  if (s.paymentCaptured) {
    if (!s.paymentId) throw new OrderRuleError('A captured payment without a payment id');
    const outcome = await deps.payment.refund(
      { idempotencyKey: refundKeyFor(s.id), paymentId: s.paymentId, amountMinor: s.totalMinor ?? 0 },
      signal,
    );
    if (outcome.status === 'pending') {
      await deps.store.orders.recordFailedAttempt(s.id);
      return 'waiting';
    }
    if (outcome.status === 'failed') refundFailed = true;
    else refund = { refundId: outcome.refundId };
  }
  const released = await deps.product.release(reservationIdFor(s.id), signal);
  if (refundFailed) order.fail('refund_failed');
  else if (released === 'conflict') order.fail('stock_already_committed');
  else order.finishCancelling(refund);
  // A refund made but the order failed (release conflict) still records the refund.
  await saveMove(deps, order, 'cancelling');
  return 'advanced';
}
