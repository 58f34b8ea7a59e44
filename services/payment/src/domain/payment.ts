import type { EventPayload } from '@shop/contracts';
import type { ChargeLookup, ChargeOutcome } from './ports.ts';

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

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
}

/** Only a pending payment moves, and only to a settled state or (unknown outcome) to pending again. */
export function assertSettleable(status: PaymentStatus): void {
  if (status !== 'pending') throw new InvalidTransitionError(`A ${status} payment is settled; it cannot change again`);
}

export function isSettled(status: PaymentStatus): boolean {
  return status !== 'pending';
}

/** The provider answered (or did not) the charge we sent. */
export function settleFromCharge(current: PaymentStatus, outcome: ChargeOutcome): ChargeSettlement {
  assertSettleable(current);
  switch (outcome.kind) {
    case 'succeeded':
      return {
        status: 'succeeded',
        ledgerKind: 'provider_succeeded',
        event: 'payment.succeeded',
        providerRef: outcome.providerRef,
        declineCode: null,
        detail: { providerRef: outcome.providerRef },
      };
    case 'declined':
      return {
        status: 'declined',
        ledgerKind: 'provider_declined',
        event: 'payment.declined',
        providerRef: outcome.providerRef,
        declineCode: outcome.declineCode,
        detail: { declineCode: outcome.declineCode },
      };
    case 'failed':
      return {
        status: 'failed',
        ledgerKind: 'provider_error',
        event: 'payment.failed',
        providerRef: null,
        declineCode: null,
        detail: { reason: outcome.reason },
      };
    case 'unknown':
      return {
        status: 'pending',
        ledgerKind: 'outcome_unknown',
        event: null,
        providerRef: null,
        declineCode: null,
        detail: { reason: outcome.reason },
      };
  }
}

/**
 * The provider was asked, by idempotency key, what became of a charge whose
 * answer we never got. "Not found" proves nothing was charged only once the
 * attempt is old enough that no request of ours can still be on its way
 * (`oldEnough`); before that, and when the provider cannot be asked, the
 * payment stays pending and nothing is recorded (null).
 */
export function settleFromLookup(
  current: PaymentStatus,
  lookup: ChargeLookup,
  oldEnough: boolean,
): ChargeSettlement | null {
  assertSettleable(current);
  switch (lookup.kind) {
    case 'found': {
      const outcome = lookup.outcome;
      if (outcome.kind === 'succeeded') {
        return {
          status: 'succeeded',
          ledgerKind: 'reconciled_succeeded',
          event: 'payment.succeeded',
          providerRef: outcome.providerRef,
          declineCode: null,
          detail: { providerRef: outcome.providerRef },
        };
      }
      return {
        status: 'declined',
        ledgerKind: 'reconciled_declined',
        event: 'payment.declined',
        providerRef: outcome.providerRef,
        declineCode: outcome.declineCode,
        detail: { declineCode: outcome.declineCode },
      };
    }
    case 'not_found':
      if (!oldEnough) return null;
      return {
        status: 'failed',
        ledgerKind: 'reconciled_not_found',
        event: 'payment.failed',
        providerRef: null,
        declineCode: null,
        detail: { reason: 'the provider has no charge under this key' },
      };
    case 'unknown':
      return null;
  }
}

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
