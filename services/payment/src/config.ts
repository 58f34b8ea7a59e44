import { env, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/** The payment service's variables beyond the base set (README table). */
export const configSpec = {
  /** Base URL of the payment provider (the sandbox locally, Stripe's API in production). */
  PAYMENT_PROVIDER_URL: env.url({ protocols: ['http:', 'https:'] }),
  /** How long one provider call may take before its outcome is treated as unknown. */
  PROVIDER_TIMEOUT_MS: env.int({ default: 2000, min: 10, max: 120_000 }),
  RECONCILE_INTERVAL_MS: env.int({ default: 2000, min: 10, max: 600_000 }),
  /** How old a pending payment must be before the reconciler asks the provider about it. */
  RECONCILE_AFTER_MS: env.int({ default: 3000, min: 0, max: 86_400_000 }),
};

export type PaymentConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
