// Each shop service's own variables, beyond baseServiceSpec. They live in the registry, not in
// the service, so the launcher (which may not import a service) knows what each one reads.
import { env, type Spec } from '../config.ts';
import { peersSpec, redisSpec } from './pieces.ts';

export const userSpec = {
  ...redisSpec,
  ADMIN_EMAIL: env.optionalString({
    doc: 'the bootstrap administrator, made at start while no administrator exists and nobody has the email; unset: none',
  }),
  ADMIN_INITIAL_PASSWORD: env.optionalString({ doc: "the bootstrap administrator's initial password" }),
  SIGNING_KEY_KEK_FILE: env.string({
    description: 'path to a file with 32 random bytes in base64',
    doc: 'the key (32 bytes, base64) sealing the token-signing keys in the database; every instance needs the same',
  }),
  ACCESS_TOKEN_TTL_SEC: env.int({ default: 900, min: 30, max: 86_400, doc: 'lifetime of an access token' }),
  REFRESH_TOKEN_TTL_SEC: env.int({
    default: 30 * 86_400,
    min: 60,
    max: 365 * 86_400,
    doc: 'lifetime of a refresh token (each is spent on use)',
  }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int({
    default: 5,
    min: 1,
    max: 1000,
    doc: 'failed logins of one account from one address in the window before that address is locked out of it; past as many addresses, each attempt is delayed',
  }),
  LOGIN_MAX_FAILURES_PER_IP: env.int({
    default: 50,
    min: 1,
    max: 100_000,
    doc: 'failed logins per client address in the window before it is locked out',
  }),
  LOGIN_FAILURE_WINDOW_SEC: env.int({ default: 900, min: 10, max: 86_400, doc: 'the window failed logins count in' }),
  LOGIN_MAX_DELAY_MS: env.int({
    default: 2000,
    min: 0,
    max: 30_000,
    doc: 'longest delay of an attempt at a much-failed account before its password is checked',
  }),
  PASSWORD_HASH_CONCURRENCY: env.int({
    default: 2,
    min: 2,
    max: 64,
    doc: "argon2 hashes at once; below libuv's 4 threads so the database driver keeps some",
  }),
  PASSWORD_HASH_RESERVED_FOR_LOGINS: env.int({
    default: 1,
    min: 1,
    max: 63,
    doc: 'hashing slots only logins use: sign-ups never take them',
  }),
  PASSWORD_HASH_QUEUE: env.int({
    default: 16,
    min: 0,
    max: 10_000,
    doc: 'hashes waiting for a slot, for logins and for sign-ups each; past it, 503 + Retry-After',
  }),
  SIGNUP_MAX_PER_ADDRESS: env.int({
    default: 5,
    min: 1,
    max: 1_000_000,
    doc: 'accounts made per client address per window (also bounds welcome emails); past it, 429',
  }),
  SIGNUP_ADDRESS_WINDOW_SEC: env.int({ default: 60, min: 1, max: 86_400, doc: 'the window sign-ups count in' }),
  SIGNUP_MAX_PER_SEC: env.int({
    default: 20,
    min: 1,
    max: 1_000_000,
    doc: 'sign-ups per second per instance from all clients together; past it, 429',
  }),
} satisfies Spec;

export const productSpec = {
  ...peersSpec({ optional: ['user'] }),
  ...redisSpec,
  CATALOG_SEED_COUNT: env.int({
    default: 10_000,
    min: 0,
    max: 1_000_000,
    doc: 'products generated into an empty catalog on start (0: none)',
  }),
  CATALOG_SEED: env.int({
    default: 42,
    min: 0,
    max: 4_294_967_295,
    doc: "the generator's PRNG seed: the same seed gives the same catalog",
  }),
  PRODUCT_CACHE_TTL_SEC: env.int({ default: 300, min: 1, max: 86_400, doc: 'cache-aside TTL of a product' }),
  PRODUCT_CACHE_MAX_ENTRIES: env.int({ default: 10_000, min: 1, max: 1_000_000, doc: 'products the cache holds' }),
  PRODUCT_SEARCH_CACHE_TTL_MS: env.int({
    default: 5000,
    min: 0,
    max: 600_000,
    doc: 'how long a search page is reused on an instance (any product change clears them; 0: off)',
  }),
  RESERVATION_TTL_SEC: env.int({
    default: 900,
    min: 10,
    max: 3600,
    doc: 'how long a reservation holds stock when the caller does not say',
  }),
  RESERVATION_SWEEP_INTERVAL_MS: env.int({
    default: 5000,
    min: 50,
    max: 600_000,
    doc: 'how often expired reservations are released',
  }),
} satisfies Spec;

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

export const paymentSpec = {
  PAYMENT_PROVIDER_URL: env.url({
    protocols: ['http:', 'https:'],
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

export const notificationSpec = {
  ...peersSpec({ optional: ['user'] }),
  SMTP_URL: env.url({
    protocols: ['smtp:', 'smtps:'],
    doc: 'where email goes, e.g. smtp://127.0.0.1:7025 (the local mail sink)',
  }),
  MAIL_FROM: env.string({ default: 'Shop <no-reply@shop.local>', doc: 'the From of every email' }),
  NOTIFICATION_POLL_INTERVAL_MS: env.int({
    default: 1000,
    min: 20,
    max: 60_000,
    doc: 'poll fallback of the consumer and the email dispatcher',
  }),
  STREAMS_PER_USER: env.int({
    default: 5,
    min: 1,
    max: 1000,
    doc: 'live streams (GET /notifications/stream) one user may hold on one instance; past it, 429',
  }),
  MAX_STREAMS: env.int({
    default: 128,
    min: 1,
    max: 100_000,
    doc: 'live streams one instance holds in all; past it, 503 (keep it below MAX_CONCURRENT_REQUESTS)',
  }),
} satisfies Spec;

export const analyticsSpec = {
  ...peersSpec({ optional: ['user'] }),
  ANALYTICS_POLL_INTERVAL_MS: env.int({
    default: 1000,
    min: 20,
    max: 60_000,
    doc: 'how soon an idle consumer looks again without a wake-up',
  }),
} satisfies Spec;
