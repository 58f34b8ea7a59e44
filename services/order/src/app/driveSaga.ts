import type { Logger } from '@shop/platform';
import { chargeKeyFor, refundKeyFor, reservationIdFor } from '../domain/idempotency.ts';
import { isTerminal, Order, OrderRuleError, type OrderState } from '../domain/order.ts';
import { PeerRejectedError, type PaymentPort, type ProductPort } from '../domain/ports.ts';
import { ConcurrentChangeError, type OrderRepository } from '../adapters/orderRepository.ts';
import { recordDecline, type DeclineLimits } from './declineLimits.ts';

export interface SagaDeps {
  orders: OrderRepository;
  product: ProductPort;
  payment: PaymentPort;
  logger: Logger;
  /** This driver's identity for the order's lease. */
  owner: string;
  leaseMs: number;
  /** Where a declined payment is counted, and the clock that stamps it (the card-testing limit). */
  declines: Pick<DeclineLimits, 'log' | 'now'>;
  /** After this many transient failures while still `pending`, give up and compensate. */
  maxReserveAttempts?: number;
}

/** Why a drive stopped before a terminal state. */
type Step = 'advanced' | 'waiting';

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
  let stored = await deps.orders.load(orderId);
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
      step = await advance(deps, order, attempts, signal);
    } catch (error) {
      if (isPermanentBug(error)) throw error;
      if (!(error instanceof ConcurrentChangeError)) {
        deps.logger.warn(
          { orderId, status: order.status, err: error instanceof Error ? error.message : String(error) },
          'saga step failed; will retry',
        );
        await deps.orders.recordFailedAttempt(orderId);
        return (await deps.orders.load(orderId))?.state;
      }
      // Someone else moved it: look again.
      stored = await deps.orders.load(orderId);
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

function isPermanentBug(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;
}

async function advance(deps: SagaDeps, order: Order, attempts: number, signal?: AbortSignal): Promise<Step> {
  const from = order.status;
  const lease = { owner: deps.owner, ms: deps.leaseMs };
  const s = order.state;
  switch (from) {
    case 'pending': {
      let outcome;
      try {
        outcome = await deps.product.reserve(
          {
            reservationId: reservationIdFor(s.id),
            items: s.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
          },
          signal,
        );
      } catch (error) {
        if (error instanceof PeerRejectedError) {
          order.cancel(
            error.status === 404 || error.status === 422
              ? 'product_unavailable'
              : `reservation_rejected: ${error.message}`,
          );
          await deps.orders.save(order, from, lease);
          return 'advanced';
        }
        if (attempts + 1 >= (deps.maxReserveAttempts ?? 5)) {
          // The reservation may have been made without us hearing back: release it to be sure.
          order.beginCancelling('stock_service_unavailable');
          await deps.orders.save(order, from, lease);
          return 'advanced';
        }
        throw error;
      }
      if (outcome.kind === 'insufficient') {
        order.cancel('out_of_stock');
      } else {
        try {
          order.reserveStock(outcome.items);
        } catch (error) {
          if (!(error instanceof OrderRuleError)) throw error;
          order.beginCancelling(`pricing_invalid: ${error.message}`);
        }
      }
      await deps.orders.save(order, from, lease);
      return 'advanced';
    }

    case 'stock_reserved':
    case 'payment_pending': {
      let outcome;
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
          await deps.orders.save(order, from, lease);
          return 'advanced';
        }
        // No answer: the card may or may not have been charged. Say so, and ask again later with the same key.
        if (from === 'stock_reserved') {
          order.awaitPayment(null);
          await deps.orders.save(order, from, lease);
          return 'waiting';
        }
        throw error;
      }
      if (outcome.kind === 'pending') {
        if (from === 'payment_pending') {
          await deps.orders.recordFailedAttempt(s.id);
          return 'waiting';
        }
        order.awaitPayment(outcome.paymentId);
        await deps.orders.save(order, from, lease);
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
      await deps.orders.save(
        order,
        from,
        lease,
        outcome.status === 'declined' ? recordDecline(deps.declines, s.id) : undefined,
      );
      return 'advanced';
    }

    case 'paid': {
      let result: 'committed' | 'conflict';
      try {
        result = await deps.product.commit(reservationIdFor(s.id), signal);
      } catch (error) {
        if (!(error instanceof PeerRejectedError)) throw error; // transient: commit again later
        result = 'conflict';
      }
      if (result === 'committed') {
        order.confirm();
        await deps.orders.save(order, from, lease, async (client) => {
          // The ordered lines leave the cart; lines added since checkout stay.
          await client.query('DELETE FROM cart_items WHERE user_id = $1 AND product_id = ANY($2::uuid[])', [
            s.userId,
            s.lines.map((l) => l.productId),
          ]);
        });
      } else {
        order.beginCancelling('stock_commit_failed');
        await deps.orders.save(order, from, lease);
      }
      return 'advanced';
    }

    case 'cancelling':
      return compensate(deps, order, signal);

    case 'confirmed':
    case 'cancelled':
    case 'failed':
      return 'waiting';
  }
}

/** Compensation in reverse: refund a captured charge, release the stock, then cancelled. */
async function compensate(deps: SagaDeps, order: Order, signal?: AbortSignal): Promise<Step> {
  const s = order.state;
  const lease = { owner: deps.owner, ms: deps.leaseMs };
  let refund: { refundId: string } | null = null;
  let refundFailed = false;
  if (s.paymentCaptured) {
    if (!s.paymentId) throw new OrderRuleError('A captured payment without a payment id');
    const outcome = await deps.payment.refund(
      { idempotencyKey: refundKeyFor(s.id), paymentId: s.paymentId, amountMinor: s.totalMinor ?? 0 },
      signal,
    );
    if (outcome.status === 'pending') {
      await deps.orders.recordFailedAttempt(s.id);
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
  await deps.orders.save(order, 'cancelling', lease);
  return 'advanced';
}
