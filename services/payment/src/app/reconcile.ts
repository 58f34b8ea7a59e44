import { payments } from '../adapters/payments.ts';
import { refunds } from '../adapters/refunds.ts';
import type { PaymentDeps } from './deps.ts';
import { settlePendingCharge } from './recordCharge.ts';
import { settlePendingRefund } from './recordRefund.ts';

/**
 * One pass: pending charges and refunds older than `reconcileAfterMs` that no
 * request holds are claimed under a lease (SKIP LOCKED: instances share the
 * work) and settled by asking the provider by idempotency key. Found: the
 * provider's outcome. Not found: nothing moved, so failed. Unreachable: left
 * pending for the next pass. Aborting `signal` (shutdown) cuts provider calls
 * short: those stay pending, and claims not reached yet wait out their lease.
 */
export async function reconcileOnce(
  deps: PaymentDeps,
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<{ payments: number; refunds: number }> {
  const claim = { afterMs: deps.reconcileAfterMs, leaseMs: deps.leaseMs, limit: options.limit ?? 50 };
  const stalePayments = await payments.claimStale(deps.db, claim);
  for (const payment of stalePayments) {
    if (options.signal?.aborted) break;
    await settlePendingCharge(deps, payment, options.signal).catch((error: unknown) =>
      deps.logger.error({ paymentId: payment.id, err: error }, 'reconciling a payment failed'),
    );
  }
  const staleRefunds = await refunds.claimStale(deps.db, claim);
  for (const refund of staleRefunds) {
    if (options.signal?.aborted) break;
    await settlePendingRefund(deps, refund, options.signal).catch((error: unknown) =>
      deps.logger.error({ refundId: refund.id, err: error }, 'reconciling a refund failed'),
    );
  }
  return { payments: stalePayments.length, refunds: staleRefunds.length };
}

export interface Reconciler {
  stop(): Promise<void>;
}

/** Every `intervalMs`, one pass (never two at once). `stop()` waits for the pass in progress. */
export function startReconciler(deps: PaymentDeps, options: { intervalMs: number }): Reconciler {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = (): void => {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => {
      running = reconcileOnce(deps, { signal: controller.signal })
        .then(() => undefined)
        .catch((error: unknown) =>
          deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconcile pass failed'),
        )
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      controller.abort();
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
