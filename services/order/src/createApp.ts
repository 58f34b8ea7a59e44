import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuthenticatedApp, type TokenVerifier } from '@shop/auth';
import { TOPICS } from '@shop/contracts';
import { startPeriodic, type Periodic } from '@shop/data';
import { relayOutboxToLog } from '@shop/events';
import { detachedFromDeadline, type OwnedPeers, type ServiceApp, type ServiceDeps } from '@shop/platform';
import type { OrderConfig } from './config.ts';
import type { IdempotencyKeys, PaymentPort, ProductPort } from './domain/ports.ts';
import { IdempotencyStore } from './adapters/idempotencyStore.ts';
import { createOrderStore } from './adapters/orderStore.ts';
import { createPaymentClient } from './adapters/paymentClient.ts';
import { createProductClient } from './adapters/productClient.ts';
import { rememberLookups } from './adapters/productLookups.ts';
import type { DeclineLimits } from './app/declineLimits.ts';
import { recoverSagas } from './app/recoverSagas.ts';
import type { SagaDeps } from './app/saga.ts';
import { registerCartRoutes } from './http/cartRoutes.ts';
import { registerOrderRoutes } from './http/orderRoutes.ts';

export { configSpec, type OrderConfig } from './config.ts';
export type {
  PaymentPort,
  ProductPort,
  ChargeOutcome,
  ChargeRequest,
  RefundOutcome,
  RefundRequest,
  ReserveOutcome,
  ProductInfo,
} from './domain/ports.ts';
export type { OrderHistory } from './domain/orderHistory.ts';
export { rebuildOrderHistory } from './app/rebuildOrderHistory.ts';
export { readOrderHistories } from './adapters/orderHistoryReader.ts';

/** The topic every order event is published on, keyed by order id. */
export const ORDER_TOPIC = TOPICS.order;

export interface OrderOverrides {
  verifier?: TokenVerifier;
  /** Idempotency-key lock (default 3 s). */
  keyLockMs?: number;
  product?: ProductPort;
  payment?: PaymentPort;
  /** The clock of the card-testing limit (default Date.now): tests move it past the window. */
  now?: () => number;
  saga?: {
    /** How long a driver owns a saga without touching it (default 30 s). */
    leaseMs?: number;
    /** How long an in-progress order must sit untouched before recovery claims it (default 3 recovery intervals, at least 1 s). */
    staleAfterMs?: number;
    /** Switch the background recovery loop off (tests that drive recovery by hand). */
    recovery?: boolean;
  };
}

/** Builds the order service; never listens (main.ts does). */
export function createApp(config: OrderConfig, deps: ServiceDeps, overrides: OrderOverrides = {}): ServiceApp {
  const { app, peers } = createAuthenticatedApp(config, deps, { caller: 'order', verifier: overrides.verifier });

  const parts = wireParts(config, deps, { overrides, peers });
  registerCartRoutes(app, {
    store: parts.store,
    product: rememberLookups(parts.product, { ttlMs: config.CART_PRODUCT_TTL_MS }),
  });
  registerCheckout(app, config, parts);
  if (overrides.saga?.recovery !== false) {
    const recovery = startRecovery(config, parts, overrides.saga?.staleAfterMs);
    app.addHook('onClose', () => recovery.stop());
  }
  app.addHook('onClose', () => peers.close());
  // Outbox rows written with each state change reach the bus (JetStream at NATS_URL, else the PostgreSQL log) through this relay.
  relayOutboxToLog(app, deps, config);
  return app;
}

/** The order service's parts, wired: storage, peers and the saga's dependencies. */
type OrderParts = ReturnType<typeof wireParts>;

/**
 * An idempotency key's lock, renewed by its holder every third of it: a
 * checkout whose instance died is taken over by a retry within this time.
 */
const KEY_LOCK_MS = 3000;

function wireParts(config: OrderConfig, deps: ServiceDeps, wiring: { overrides: OrderOverrides; peers: OwnedPeers }) {
  const { overrides, peers } = wiring;
  const store = createOrderStore(deps.db);
  const product = overrides.product ?? createProductClient(peers.peer('product', config.PEER_PRODUCT_URLS));
  const payment = overrides.payment ?? createPaymentClient(peers.peer('payment', config.PEER_PAYMENT_URLS));
  const keys: IdempotencyKeys = new IdempotencyStore(deps.db, {
    ttlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
    lockMs: overrides.keyLockMs ?? KEY_LOCK_MS,
  });
  const windowMs = config.CHECKOUT_DECLINE_WINDOW_SEC * 1000;
  const declines: DeclineLimits = {
    log: store.declines,
    policy: {
      user: { max: config.CHECKOUT_MAX_DECLINES_PER_USER, windowMs },
      address: { max: config.CHECKOUT_MAX_DECLINES_PER_ADDRESS, windowMs },
    },
    now: overrides.now ?? Date.now,
  };
  const saga: SagaDeps = {
    store,
    product,
    payment,
    logger: deps.logger,
    owner: `${config.INSTANCE_ID}:${randomUUID()}`,
    leaseMs: overrides.saga?.leaseMs ?? 30_000,
    declines,
  };
  return { store, keys, product, declines, saga };
}

/** How long shutdown waits for background sagas to reach a step boundary. */
const BACKGROUND_STOP_MS = 2000;

/**
 * The checkout routes. Sagas still driven for requests already answered 202
 * stop after their current step on close (peer calls are aborted); each is
 * persisted, so recovery resumes it.
 */
function registerCheckout(app: ServiceApp, config: OrderConfig, parts: OrderParts): void {
  const background = new Set<Promise<unknown>>();
  const closing = new AbortController();
  registerOrderRoutes(app, {
    store: parts.store,
    keys: parts.keys,
    saga: parts.saga,
    defaultPaymentMethod: config.CHECKOUT_PAYMENT_METHOD_DEFAULT,
    declines: parts.declines,
    background,
    stopping: closing.signal,
    detach: detachedFromDeadline,
    syncBudgetMs: config.CHECKOUT_SYNC_BUDGET_MS,
  });
  app.addHook('onClose', async () => {
    closing.abort();
    await Promise.race([Promise.all(background), sleep(BACKGROUND_STOP_MS, undefined, { ref: false })]);
  });
}

/** Expired idempotency keys, and declines out of the window, are swept at most this often. */
const PURGE_INTERVAL_MS = 3_600_000;

/** Every SAGA_RECOVERY_INTERVAL_MS, one recovery pass, then the hourly sweeps of expired keys and old declines. */
function startRecovery(config: OrderConfig, parts: OrderParts, staleAfterMs: number | undefined): Periodic {
  const intervalMs = config.SAGA_RECOVERY_INTERVAL_MS;
  const options = { staleAfterMs: staleAfterMs ?? Math.max(1000, 3 * intervalMs) };
  const windowMs = config.CHECKOUT_DECLINE_WINDOW_SEC * 1000;
  let lastPurge = 0;
  const purge = async (): Promise<void> => {
    if (Date.now() - lastPurge < PURGE_INTERVAL_MS) return;
    lastPurge = Date.now();
    await parts.keys.purgeExpired();
    await parts.declines.log.purgeBefore(parts.declines.now() - windowMs);
  };
  return startPeriodic(
    async (signal) => {
      await recoverSagas(parts.saga, options, signal);
      await purge();
    },
    {
      intervalMs,
      onError: (error) =>
        parts.saga.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'saga recovery pass failed',
        ),
    },
  );
}
