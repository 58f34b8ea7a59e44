import { env, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/** The order service's variables beyond the base set (README table). */
export const configSpec = {
  PEER_PRODUCT_URLS: env.string({ description: 'comma-separated base URLs of the product service' }),
  PEER_PAYMENT_URLS: env.string({ description: 'comma-separated base URLs of the payment service' }),
  /** For the JWKS; optional when a verifier is injected (tests). */
  PEER_USER_URLS: env.optionalString(),
  CHECKOUT_PAYMENT_METHOD_DEFAULT: env.string({
    default: 'pm_card_visa',
    pattern: /^[A-Za-z0-9_]{1,64}$/,
    description: 'a payment method id like "pm_card_visa"',
  }),
  /** Card-testing limit (src/domain/declineLimit.ts): declined payments within the window after which a user's checkouts are refused. */
  CHECKOUT_MAX_DECLINES_PER_USER: env.int({ default: 5, min: 1, max: 1_000_000 }),
  /** The same for one client address (an IPv6 /64), whatever the accounts: fresh accounts do not escape it. */
  CHECKOUT_MAX_DECLINES_PER_ADDRESS: env.int({ default: 20, min: 1, max: 1_000_000 }),
  /** The sliding window both limits count declines over. */
  CHECKOUT_DECLINE_WINDOW_SEC: env.int({ default: 3600, min: 1, max: 7 * 24 * 3600 }),
  /** Longest a checkout request waits for its saga before answering 202 (also bounded by the caller's deadline). */
  CHECKOUT_SYNC_BUDGET_MS: env.int({ default: 1500, min: 0, max: 60_000 }),
  /** How long a cart remembers a product's name, price and for-sale flag (0: ask the product service every time). */
  CART_PRODUCT_TTL_MS: env.int({ default: 5000, min: 0, max: 300_000 }),
  SAGA_RECOVERY_INTERVAL_MS: env.int({ default: 2000, min: 50, max: 600_000 }),
  IDEMPOTENCY_KEY_TTL_HOURS: env.int({ default: 24, min: 24, max: 24 * 365 }),
  /** The event bus the outbox is relayed to: NATS JetStream when set, else the PostgreSQL log at EVENTS_DATABASE_URL (base set). */
  NATS_URL: env.optionalString(),
};

export type OrderConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
