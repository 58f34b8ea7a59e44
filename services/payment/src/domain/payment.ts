import type { EventPayload } from '@shop/contracts';
import { assertPending, settlesByLookup } from './idempotency.ts';
import type { ChargeLookup, ChargeOutcome } from './provider.ts';

export type PaymentStatus = 'pending' | 'succeeded' | 'declined' | 'failed';

export type ChargeLedgerKind =
  | 'attempt_started'
  | 'provider_succeeded'
  | 'provider_declined'
  | 'provider_error'
  | 'outcome_unknown'
  | 'reconciled_succeeded'
  | 'reconciled_declined'
  | 'reconciled_not_found';

export type ChargeEventType = 'payment.succeeded' | 'payment.declined' | 'payment.failed';

/** A charge as stored: one per idempotency key. */
export interface PaymentRecord {
  id: string;
  orderId: string;
  userId: string;
  idempotencyKey: string;
  fingerprint: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  status: PaymentStatus;
  declineCode: string | null;
  providerRef: string | null;
  refundedMinor: number;
  correlationId: string;
  /** A request or reconciler pass holds it now. */
  leaseActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A payment as first stored, pending: what the request says, with our id and its fingerprint. */
export type NewPayment = Pick<
  PaymentRecord,
  | 'id'
  | 'orderId'
  | 'userId'
  | 'idempotencyKey'
  | 'fingerprint'
  | 'amountMinor'
  | 'currency'
  | 'paymentMethod'
  | 'correlationId'
>;

/** What recording an outcome does: the new status, the ledger line, and the event to publish (if settled). */
export interface ChargeSettlement {
  status: PaymentStatus;
  ledgerKind: ChargeLedgerKind;
  event: ChargeEventType | null;
  providerRef: string | null;
  declineCode: string | null;
  detail: Record<string, string>;
}

export function isSettled(status: PaymentStatus): boolean {
  return status !== 'pending';
}

/** The provider charged the card: succeeded, with its reference, recorded as `ledgerKind`. */
function charged(providerRef: string, ledgerKind: ChargeLedgerKind): ChargeSettlement {
  const event = 'payment.succeeded';
  return { status: 'succeeded', ledgerKind, event, providerRef, declineCode: null, detail: { providerRef } };
}

/** The card was declined: the provider's reference and decline code, recorded as `ledgerKind`. */
function declined(
  outcome: { providerRef: string | null; declineCode: string },
  ledgerKind: ChargeLedgerKind,
): ChargeSettlement {
  const { providerRef, declineCode } = outcome;
  return {
    status: 'declined',
    ledgerKind,
    event: 'payment.declined',
    providerRef,
    declineCode,
    detail: { declineCode },
  };
}

/** No charge: `failed` (published) or, for an unknown outcome, still `pending` (nothing published). */
function uncharged(status: 'failed' | 'pending', reason: string, ledgerKind: ChargeLedgerKind): ChargeSettlement {
  const event = status === 'failed' ? 'payment.failed' : null;
  return { status, ledgerKind, event, providerRef: null, declineCode: null, detail: { reason } };
}

/** The provider answered (or did not) the charge we sent. */
export function settleFromCharge(current: PaymentStatus, outcome: ChargeOutcome): ChargeSettlement {
  assertPending('payment', current);
  switch (outcome.kind) {
    case 'succeeded':
      return charged(outcome.providerRef, 'provider_succeeded');
    case 'declined':
      return declined(outcome, 'provider_declined');
    case 'failed':
      return uncharged('failed', outcome.reason, 'provider_error');
    case 'unknown':
      return uncharged('pending', outcome.reason, 'outcome_unknown');
  }
}

/**
 * The provider was asked, by idempotency key, what became of a charge whose
 * answer we never got: found, what it did; "not found" once no request of ours
 * can still be on its way, nothing charged (settlesByLookup says when).
 */
export const settleFromLookup = settlesByLookup<PaymentStatus, ChargeLookup, ChargeSettlement>('payment', {
  found: ({ outcome }) =>
    outcome.kind === 'succeeded'
      ? charged(outcome.providerRef, 'reconciled_succeeded')
      : declined(outcome, 'reconciled_declined'),
  notFound: () => uncharged('failed', 'the provider has no charge under this key', 'reconciled_not_found'),
});

/** The event a settlement publishes (keyed by order id), or null when it publishes none. */
export function settlementEvent(
  payment: PaymentRecord,
  settlement: ChargeSettlement,
): { type: ChargeEventType; payload: EventPayload<ChargeEventType> } | null {
  if (!settlement.event || settlement.status === 'pending') return null;
  return {
    type: settlement.event,
    payload: {
      paymentId: payment.id,
      orderId: payment.orderId,
      userId: payment.userId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      status: settlement.status,
      ...(settlement.declineCode ? { declineCode: settlement.declineCode } : {}),
    },
  };
}
