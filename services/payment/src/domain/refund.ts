import type { RefundLookup, RefundOutcome } from './ports.ts';
import type { PaymentStatus } from './payment.ts';

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

export function settleRefund(current: RefundStatus, outcome: RefundOutcome): RefundSettlement {
  if (current !== 'pending') throw new Error(`A ${current} refund is settled; it cannot change again`);
  switch (outcome.kind) {
    case 'succeeded':
      return {
        status: 'succeeded',
        ledgerKind: 'refund_succeeded',
        release: false,
        providerRef: outcome.providerRef,
        detail: { providerRef: outcome.providerRef },
      };
    case 'failed':
      return {
        status: 'failed',
        ledgerKind: 'refund_failed',
        release: true,
        providerRef: null,
        detail: { reason: outcome.reason },
      };
    case 'unknown':
      return {
        status: 'pending',
        ledgerKind: 'refund_outcome_unknown',
        release: false,
        providerRef: null,
        detail: { reason: outcome.reason },
      };
  }
}

/** As for charges: "not found" settles to failed only once nothing of ours can still be in transit. */
export function settleRefundFromLookup(
  current: RefundStatus,
  lookup: RefundLookup,
  oldEnough: boolean,
): RefundSettlement | null {
  if (current !== 'pending') throw new Error(`A ${current} refund is settled; it cannot change again`);
  switch (lookup.kind) {
    case 'found':
      return {
        status: 'succeeded',
        ledgerKind: 'refund_reconciled_succeeded',
        release: false,
        providerRef: lookup.providerRef,
        detail: { providerRef: lookup.providerRef },
      };
    case 'not_found':
      return oldEnough
        ? {
            status: 'failed',
            ledgerKind: 'refund_reconciled_not_found',
            release: true,
            providerRef: null,
            detail: { reason: 'the provider has no refund under this key' },
          }
        : null;
    case 'unknown':
      return null;
  }
}
