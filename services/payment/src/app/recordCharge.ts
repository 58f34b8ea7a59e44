import type { PaymentRecord } from '../adapters/payments.ts';
import { payments } from '../adapters/payments.ts';
import { appendLedger } from '../adapters/ledger.ts';
import { providerChargeKey } from '../domain/ports.ts';
import { settleFromLookup, type ChargeSettlement, type PaymentStatus } from '../domain/payment.ts';
import type { PaymentDeps } from './deps.ts';
import { writeOutbox } from './outbox.ts';

/**
 * Applies a settlement to a pending payment in one transaction: the new state,
 * its ledger line and its event commit together. `decide` returns null when
 * there is nothing to record; the lease is given back either way. A payment
 * already settled (by a racing reconciler) is returned as it is.
 */
export async function recordCharge(
  deps: PaymentDeps,
  paymentId: string,
  decide: (status: PaymentStatus) => ChargeSettlement | null,
): Promise<PaymentRecord> {
  return deps.db.transaction(async (tx) => {
    const current = await payments.lockById(tx, paymentId);
    if (!current) throw new Error(`payment ${paymentId} vanished`);
    if (current.status !== 'pending') return current;
    const settlement = decide(current.status);
    if (!settlement) return payments.settle(tx, paymentId, { status: 'pending', providerRef: null, declineCode: null });
    const updated = await payments.settle(tx, paymentId, {
      status: settlement.status,
      providerRef: settlement.providerRef,
      declineCode: settlement.declineCode,
    });
    await appendLedger(tx, {
      paymentId,
      orderId: current.orderId,
      kind: settlement.ledgerKind,
      amountMinor: current.amountMinor,
      currency: current.currency,
      detail: settlement.detail,
    });
    if (settlement.event) {
      await writeOutbox(tx, {
        type: settlement.event,
        key: current.orderId,
        aggregateId: paymentId,
        correlationId: current.correlationId,
        payload: {
          paymentId,
          orderId: current.orderId,
          userId: current.userId,
          amountMinor: current.amountMinor,
          currency: current.currency,
          status: settlement.status,
          ...(settlement.declineCode ? { declineCode: settlement.declineCode } : {}),
        },
      });
    }
    return updated;
  });
}

/** Settles a pending payment whose answer was lost by asking the provider under its key. Never charges. */
export async function settlePendingCharge(
  deps: PaymentDeps,
  payment: PaymentRecord,
  signal?: AbortSignal,
): Promise<PaymentRecord> {
  const lookup = await deps.provider.findCharge(providerChargeKey(payment.idempotencyKey), signal);
  const oldEnough = deps.now() - payment.createdAt.getTime() >= deps.reconcileAfterMs;
  if (lookup.kind === 'unknown')
    deps.logger.warn({ paymentId: payment.id, reason: lookup.reason }, 'payment outcome still unknown');
  return recordCharge(deps, payment.id, (status) => settleFromLookup(status, lookup, oldEnough));
}
