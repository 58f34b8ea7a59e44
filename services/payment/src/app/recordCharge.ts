import { settlementEvent, type ChargeSettlement, type PaymentRecord, type PaymentStatus } from '../domain/payment.ts';
import type { PaymentDeps } from './deps.ts';

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
  return deps.store.transaction(async ({ payments, ledger, outbox }) => {
    const current = await payments.lockById(paymentId);
    if (!current) throw new Error(`payment ${paymentId} vanished`);
    if (current.status !== 'pending') return current;
    const settlement = decide(current.status);
    if (!settlement) return payments.settle(paymentId, { status: 'pending', providerRef: null, declineCode: null });
    const updated = await payments.settle(paymentId, {
      status: settlement.status,
      providerRef: settlement.providerRef,
      declineCode: settlement.declineCode,
    });
    await ledger.append({
      paymentId,
      orderId: current.orderId,
      kind: settlement.ledgerKind,
      amountMinor: current.amountMinor,
      currency: current.currency,
      detail: settlement.detail,
    });
    const event = settlementEvent(current, settlement);
    if (event)
      await outbox.append({
        ...event,
        key: current.orderId,
        aggregateId: paymentId,
        correlationId: current.correlationId,
      });
    return updated;
  });
}
