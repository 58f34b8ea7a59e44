import { startPeriodic } from '@shop/data';
import { relayOutboxToLog } from '@shop/events';
import { createBaseApp, type ServiceApp, type ServiceDeps } from '@shop/platform';
import type { PaymentConfig } from './config.ts';
import type { PaymentProvider } from './domain/provider.ts';
import { createHttpProvider } from './adapters/httpProvider.ts';
import { createPaymentStore } from './adapters/paymentStore.ts';
import type { PaymentDeps } from './app/deps.ts';
import { reconcileOnce } from './app/reconcile.ts';
import { registerChargeRoutes } from './http/chargeRoutes.ts';
import { registerLedgerRoutes } from './http/ledgerRoutes.ts';
import { registerRefundRoutes } from './http/refundRoutes.ts';

export { configSpec, type PaymentConfig } from './config.ts';
export type { PaymentProvider, ChargeOutcome, ChargeLookup, RefundOutcome, RefundLookup } from './domain/provider.ts';
export { reconcileOnce } from './app/reconcile.ts';

export interface PaymentOverrides {
  provider?: PaymentProvider;
  /** false: no background reconciler (tests that settle by hand). */
  reconciler?: boolean;
  now?: () => number;
}

/** Builds the payment service; never listens (main.ts does). */
export function createApp(config: PaymentConfig, deps: ServiceDeps, overrides: PaymentOverrides = {}): ServiceApp {
  const app = createBaseApp(config, deps);
  const provider =
    overrides.provider ??
    createHttpProvider({ baseUrl: config.PAYMENT_PROVIDER_URL, timeoutMs: config.PROVIDER_TIMEOUT_MS });
  const payment: PaymentDeps = {
    store: createPaymentStore(deps.db),
    provider,
    logger: deps.logger,
    // Outlives one provider call and the writes around it, so a live request is never taken over.
    leaseMs: config.PROVIDER_TIMEOUT_MS + 5000,
    reconcileAfterMs: config.RECONCILE_AFTER_MS,
    now: overrides.now ?? Date.now,
  };
  registerChargeRoutes(app, payment);
  registerRefundRoutes(app, payment);
  registerLedgerRoutes(app, payment);
  if (overrides.reconciler !== false) {
    // One pass at a time; stop() waits for the pass in progress, before the pool closes.
    const reconciler = startPeriodic((signal) => reconcileOnce(payment, { signal }), {
      intervalMs: config.RECONCILE_INTERVAL_MS,
      onError: (error) =>
        deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconcile pass failed'),
    });
    app.addHook('onClose', () => reconciler.stop());
  }
  app.addHook('onClose', () => provider.close());
  // Outbox rows written with each state change reach the event log through this relay.
  relayOutboxToLog(app, deps, config);
  return app;
}
