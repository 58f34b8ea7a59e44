import { assertPending, settlesByLookup } from './idempotency.ts';
import type { PaymentStatus } from './payment.ts';
import type { RefundLookup, RefundOutcome } from './provider.ts';

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/** A refund as stored: one per idempotency key, its amount reserved on the payment while pending. */
export interface RefundRecord {
  id: string;
  paymentId: string;
  idempotencyKey: string;
  fingerprint: string;
  amountMinor: number;
  status: RefundStatus;
  providerRef: string | null;
  correlationId: string;
  leaseActive: boolean;
  createdAt: Date;
}

/** A refund as first stored, pending. */
export type NewRefund = Pick<
  RefundRecord,
  'id' | 'paymentId' | 'idempotencyKey' | 'fingerprint' | 'amountMinor' | 'correlationId'
>;

export type RefundLedgerKind =
  | 'refund_started'
  | 'refund_succeeded'
  | 'refund_failed'
  | 'refund_outcome_unknown'
  | 'refund_reconciled_succeeded'
  | 'refund_reconciled_not_found';

export type RefundDecision =
  | { ok: true; amountMinor: number }
  | { ok: false; reason: 'not_succeeded' | 'nothing_left' | 'exceeds_remaining'; detail: string };

/**
 * How much a refund request may take. Pending refunds count as taken, so two
 * refunds racing cannot together exceed what was charged. Omitted = the rest.
 */
export function decideRefund(
  payment: { status: PaymentStatus; amountMinor: number; refundedMinor: number },
  requested: number | undefined,
): RefundDecision {
  if (payment.status !== 'succeeded')
    return {
      ok: false,
      reason: 'not_succeeded',
      detail: `The payment is ${payment.status}; only a succeeded payment can be refunded`,
    };
  const remaining = payment.amountMinor - payment.refundedMinor;
  if (remaining <= 0) return { ok: false, reason: 'nothing_left', detail: 'The payment is already fully refunded' };
  const amount = requested ?? remaining;
  if (amount > remaining)
    return {
      ok: false,
      reason: 'exceeds_remaining',
      detail: `A refund of ${amount} exceeds the ${remaining} not yet refunded`,
    };
  return { ok: true, amountMinor: amount };
}

export interface RefundSettlement {
  status: RefundStatus;
  ledgerKind: RefundLedgerKind;
  /** The reservation on the payment is given back (the refund did not happen). */
  release: boolean;
  providerRef: string | null;
  detail: Record<string, string>;
}

/** The provider refunded: succeeded, with its reference, recorded as `ledgerKind`. */
function refunded(providerRef: string, ledgerKind: RefundLedgerKind): RefundSettlement {
  return { status: 'succeeded', ledgerKind, release: false, providerRef, detail: { providerRef } };
}

/**
 * No refund: `failed`, giving the reserved amount back to the payment, or, for an unknown
 * outcome, still `pending` with the amount kept reserved.
 */
function unrefunded(status: 'failed' | 'pending', reason: string, ledgerKind: RefundLedgerKind): RefundSettlement {
  return { status, ledgerKind, release: status === 'failed', providerRef: null, detail: { reason } };
}

/** The provider answered (or did not) the refund we sent. */
export function settleRefund(current: RefundStatus, outcome: RefundOutcome): RefundSettlement {
  assertPending('refund', current);
  switch (outcome.kind) {
    case 'succeeded':
      return refunded(outcome.providerRef, 'refund_succeeded');
    case 'failed':
      return unrefunded('failed', outcome.reason, 'refund_failed');
    case 'unknown':
      return unrefunded('pending', outcome.reason, 'refund_outcome_unknown');
  }
}

/** As for charges: "not found" settles to failed only once nothing of ours can still be in transit. */
export const settleRefundFromLookup = settlesByLookup<RefundStatus, RefundLookup, RefundSettlement>('refund', {
  found: ({ providerRef }) => refunded(providerRef, 'refund_reconciled_succeeded'),
  notFound: () => unrefunded('failed', 'the provider has no refund under this key', 'refund_reconciled_not_found'),
});
