import { env, type Spec } from '../../config.ts';
import { peersSpec } from '../pieces.ts';

/** The order service's own variables (beyond baseServiceSpec). */
export const orderSpec = {
  ...peersSpec({ required: ['product', 'payment'], optional: ['user'] }),
  CHECKOUT_PAYMENT_METHOD_DEFAULT: env.string({
    default: 'pm_card_visa',
    pattern: /^[A-Za-z0-9_]{1,64}$/,
    description: 'a payment method id like "pm_card_visa"',
    doc: 'the payment method a checkout uses when it names none',
  }),
  CHECKOUT_MAX_DECLINES_PER_USER: env.int({
    default: 5,
    min: 1,
    max: 1_000_000,
    doc: "declined payments in the window after which a user's checkouts are 429 (card testing)",
  }),
  CHECKOUT_MAX_DECLINES_PER_ADDRESS: env.int({
    default: 20,
    min: 1,
    max: 1_000_000,
    doc: 'the same for one client address (an IPv6 /64), whatever the accounts',
  }),
  CHECKOUT_DECLINE_WINDOW_SEC: env.int({
    default: 3600,
    min: 1,
    max: 7 * 24 * 3600,
    doc: 'the sliding window both decline limits count in',
  }),
  CHECKOUT_SYNC_BUDGET_MS: env.int({
    default: 1500,
    min: 0,
    max: 60_000,
    doc: "longest a checkout waits for its saga before answering 202 (also bounded by the caller's deadline)",
  }),
  CART_PRODUCT_TTL_MS: env.int({
    default: 5000,
    min: 0,
    max: 300_000,
    doc: "how long a cart remembers a product's name, price and for-sale flag (0: ask every time)",
  }),
  SAGA_RECOVERY_INTERVAL_MS: env.int({
    default: 2000,
    min: 50,
    max: 600_000,
    doc: 'how often stalled checkout sagas are picked up again',
  }),
  IDEMPOTENCY_KEY_TTL_HOURS: env.int({
    default: 24,
    min: 24,
    max: 24 * 365,
    doc: 'how long an Idempotency-Key is remembered',
  }),
} satisfies Spec;
