import type { RefundRecord, RefundSettlement, RefundStatus } from '../domain/refund.ts';
import type { PaymentDeps } from './deps.ts';

/**
 * Applies a refund settlement in one transaction: refund state, the payment's
 * refunded amount (a failed refund gives its reservation back), the ledger
 * line and, when money moved, `payment.refunded`. Locks the payment before the
 * refund, the same order as starting a refund, so the two cannot deadlock.
 */
export async function recordRefund(
  deps: PaymentDeps,
  refundId: string,
  decide: (status: RefundStatus) => RefundSettlement | null,
): Promise<RefundRecord> {
  return deps.store.transaction(async ({ payments, refunds, ledger, outbox }) => {
    const paymentId = await refunds.paymentIdOf(refundId);
    const payment = paymentId ? await payments.lockById(paymentId) : null;
    const current = await refunds.lockById(refundId);
    if (!payment || !current) throw new Error(`refund ${refundId} vanished`);
    if (current.status !== 'pending') return current;
    const settlement = decide(current.status);
    if (!settlement) return refunds.settle(refundId, { status: 'pending', providerRef: null });
    const updated = await refunds.settle(refundId, { status: settlement.status, providerRef: settlement.providerRef });
    if (settlement.release) await payments.addRefunded(payment.id, -current.amountMinor);
    await ledger.append({
      paymentId: payment.id,
      refundId,
      orderId: payment.orderId,
      kind: settlement.ledgerKind,
      amountMinor: current.amountMinor,
      currency: payment.currency,
      detail: settlement.detail,
    });
    if (settlement.status === 'succeeded') {
      await outbox.append({
        type: 'payment.refunded',
        key: payment.orderId,
        aggregateId: payment.id,
        correlationId: current.correlationId,
        payload: {
          refundId,
          paymentId: payment.id,
          orderId: payment.orderId,
          userId: payment.userId,
          amountMinor: current.amountMinor,
          currency: payment.currency,
          paymentAmountMinor: payment.amountMinor,
        },
      });
    }
    return updated;
  });
}
