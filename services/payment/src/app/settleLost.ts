// A pending charge or refund whose provider answer was lost (a timeout, a crash, a request that
// died) is settled by asking the provider what it made under the attempt's key, never by sending
// it again: by the reconciler for stale attempts, and by a repeat of the request for its own.
import type { SettleByLookup } from '../domain/idempotency.ts';
import { settleFromLookup, type ChargeSettlement, type PaymentRecord, type PaymentStatus } from '../domain/payment.ts';
import { providerChargeKey, providerRefundKey, type ChargeLookup, type RefundLookup } from '../domain/provider.ts';
import {
  settleRefundFromLookup,
  type RefundRecord,
  type RefundSettlement,
  type RefundStatus,
} from '../domain/refund.ts';
import type { PaymentDeps } from './deps.ts';
import { recordCharge } from './recordCharge.ts';
import { recordRefund } from './recordRefund.ts';

/** What settling a lost answer needs of one kind of attempt (a charge or a refund). */
interface LostAnswers<R, Status, L, S> {
  /** Names it in the logs (paymentId, refundId). */
  what: 'payment' | 'refund';
  /** Asks the provider what it made under the attempt's idempotency key. */
  find: (deps: PaymentDeps, idempotencyKey: string, signal: AbortSignal | undefined) => Promise<L>;
  /** What the answer settles a pending attempt to (the domain's rule). */
  settle: SettleByLookup<Status, L, S>;
  /** Applies the settlement in one transaction. */
  record: (deps: PaymentDeps, id: string, decide: (status: Status) => S | null) => Promise<R>;
}

const lostCharges: LostAnswers<PaymentRecord, PaymentStatus, ChargeLookup, ChargeSettlement> = {
  what: 'payment',
  find: (deps, key, signal) => deps.provider.findCharge(providerChargeKey(key), signal),
  settle: settleFromLookup,
  record: recordCharge,
};

const lostRefunds: LostAnswers<RefundRecord, RefundStatus, RefundLookup, RefundSettlement> = {
  what: 'refund',
  find: (deps, key, signal) => deps.provider.findRefund(providerRefundKey(key), signal),
  settle: settleRefundFromLookup,
  record: recordRefund,
};

/** Settles a pending payment whose answer was lost. Never charges. */
export function settlePendingCharge(
  deps: PaymentDeps,
  payment: PaymentRecord,
  signal?: AbortSignal,
): Promise<PaymentRecord> {
  return settleLost(deps, lostCharges, payment, signal);
}

/** Settles a pending refund whose answer was lost. Never refunds again. */
export function settlePendingRefund(
  deps: PaymentDeps,
  refund: RefundRecord,
  signal?: AbortSignal,
): Promise<RefundRecord> {
  return settleLost(deps, lostRefunds, refund, signal);
}

/**
 * Asks the provider under the attempt's key, and records what the answer settles. The attempt is
 * old enough (reconcileAfterMs) for "not found" to prove nothing was made, or it is not; a lookup
 * the provider could not answer is logged and settles nothing.
 */
async function settleLost<R, Status, L extends { kind: string; reason?: string }, S>(
  deps: PaymentDeps,
  kind: LostAnswers<R, Status, L, S>,
  attempt: { id: string; idempotencyKey: string; createdAt: Date },
  signal: AbortSignal | undefined,
): Promise<R> {
  const lookup = await kind.find(deps, attempt.idempotencyKey, signal);
  const oldEnough = deps.now() - attempt.createdAt.getTime() >= deps.reconcileAfterMs;
  if (lookup.kind === 'unknown')
    deps.logger.warn({ [`${kind.what}Id`]: attempt.id, reason: lookup.reason }, `${kind.what} outcome still unknown`);
  return kind.record(deps, attempt.id, (status) => kind.settle(status, lookup, oldEnough));
}
