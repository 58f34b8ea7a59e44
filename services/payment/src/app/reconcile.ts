import type { PaymentDeps } from './deps.ts';
import { settlePendingCharge, settlePendingRefund } from './settleLost.ts';

/**
 * One pass: pending charges and refunds older than `reconcileAfterMs` that no
 * request holds are claimed under a lease (SKIP LOCKED: instances share the
 * work) and settled by asking the provider by idempotency key. Found: the
 * provider's outcome. Not found: nothing moved, so failed. Unreachable: left
 * pending for the next pass. Aborting `signal` (shutdown) cuts provider calls
 * short: those stay pending, and claims not reached yet wait out their lease.
 * createApp.ts runs it periodically (startPeriodic).
 */
export async function reconcileOnce(
  deps: PaymentDeps,
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<{ payments: number; refunds: number }> {
  const claim = { afterMs: deps.reconcileAfterMs, leaseMs: deps.leaseMs, limit: options.limit ?? 50 };
  const stalePayments = await deps.store.payments.claimStale(claim);
  for (const payment of stalePayments) {
    if (options.signal?.aborted) break;
    await settlePendingCharge(deps, payment, options.signal).catch((error: unknown) =>
      deps.logger.error({ paymentId: payment.id, err: error }, 'reconciling a payment failed'),
    );
  }
  const staleRefunds = await deps.store.refunds.claimStale(claim);
  for (const refund of staleRefunds) {
    if (options.signal?.aborted) break;
    await settlePendingRefund(deps, refund, options.signal).catch((error: unknown) =>
      deps.logger.error({ refundId: refund.id, err: error }, 'reconciling a refund failed'),
    );
  }
  return { payments: stalePayments.length, refunds: staleRefunds.length };
}
