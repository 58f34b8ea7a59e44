import { env, type Spec } from '../../config.ts';
import { HTTP } from '../pieces.ts';

/** The payment service's own variables (beyond baseServiceSpec). */
export const paymentSpec = {
  PAYMENT_PROVIDER_URL: env.url({
    protocols: HTTP,
    doc: "base URL of the payment provider (the sandbox locally, Stripe's API in production)",
  }),
  PROVIDER_TIMEOUT_MS: env.int({
    default: 2000,
    min: 10,
    max: 120_000,
    doc: 'how long one provider call may take before its outcome is treated as unknown',
  }),
  RECONCILE_INTERVAL_MS: env.int({ default: 2000, min: 10, max: 600_000, doc: 'how often the reconciler runs' }),
  RECONCILE_AFTER_MS: env.int({
    default: 3000,
    min: 0,
    max: 86_400_000,
    doc: 'how old a pending payment must be before the reconciler asks the provider about it',
  }),
} satisfies Spec;
