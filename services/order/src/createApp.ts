import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTokenVerifier, JWKS_PATH, registerAuthentication, type TokenVerifier } from '@shop/auth';
import {
  createBaseApp,
  createPeerClient,
  parsePeerUrls,
  type PeerClient,
  type ServiceApp,
  type ServiceDeps,
} from '@shop/platform';
import type { JSONWebKeySet } from 'jose';
import type { OrderConfig } from './config.ts';
import type { PaymentPort, ProductPort } from './domain/ports.ts';
import { CartRepository } from './adapters/cartRepository.ts';
import { DeclineLog } from './adapters/declineLog.ts';
import { IdempotencyStore } from './adapters/idempotencyStore.ts';
import { OrderRepository } from './adapters/orderRepository.ts';
import { createPaymentClient } from './adapters/paymentClient.ts';
import { createProductClient } from './adapters/productClient.ts';
import { rememberLookups } from './app/productLookups.ts';
import type { DeclineLimits } from './app/declineLimits.ts';
import type { SagaDeps } from './app/driveSaga.ts';
import { startRecoveryLoop } from './app/recoverSagas.ts';
import { registerCartRoutes } from './http/cartRoutes.ts';
import { registerOrderRoutes } from './http/orderRoutes.ts';
import { relayOutboxToLog } from '@shop/events';

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
export { ORDER_TOPIC } from './app/outbox.ts';

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

/**
 * An idempotency key's lock, renewed by its holder every third of it: a
 * checkout whose instance died is taken over by a retry within this time.
 */
const KEY_LOCK_MS = 3000;

/** How long shutdown waits for background sagas to reach a step boundary. */
const BACKGROUND_STOP_MS = 2000;

/** Builds the order service; never listens (main.ts does). */
export function createApp(config: OrderConfig, deps: ServiceDeps, overrides: OrderOverrides = {}): ServiceApp {
  const app = createBaseApp(config, deps);
  const ownedPeers: PeerClient[] = [];
  const peer = (service: string, urls: string): PeerClient => {
    if (deps.peer) return deps.peer(service);
    const client = createPeerClient({ service, urls: parsePeerUrls(urls), caller: 'order', tls: deps.tls });
    ownedPeers.push(client);
    return client;
  };

  const verifier = overrides.verifier ?? jwksVerifier(config, peer);
  registerAuthentication(app, verifier);

  const product = overrides.product ?? createProductClient(peer('product', config.PEER_PRODUCT_URLS));
  const payment = overrides.payment ?? createPaymentClient(peer('payment', config.PEER_PAYMENT_URLS));
  const orders = new OrderRepository(deps.db);
  const carts = new CartRepository(deps.db);
  const leaseMs = overrides.saga?.leaseMs ?? 30_000;
  const keys = new IdempotencyStore(deps.db, {
    ttlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
    lockMs: overrides.keyLockMs ?? KEY_LOCK_MS,
  });
  const windowMs = config.CHECKOUT_DECLINE_WINDOW_SEC * 1000;
  const declines: DeclineLimits = {
    log: new DeclineLog(deps.db),
    policy: {
      user: { max: config.CHECKOUT_MAX_DECLINES_PER_USER, windowMs },
      address: { max: config.CHECKOUT_MAX_DECLINES_PER_ADDRESS, windowMs },
    },
    now: overrides.now ?? Date.now,
  };
  const saga: SagaDeps = {
    orders,
    product,
    payment,
    logger: deps.logger,
    owner: `${config.INSTANCE_ID}:${randomUUID()}`,
    leaseMs,
    declines,
  };

  registerCartRoutes(app, { carts, product: rememberLookups(product, { ttlMs: config.CART_PRODUCT_TTL_MS }) });
  const background = new Set<Promise<unknown>>();
  const closing = new AbortController();
  registerOrderRoutes(app, {
    db: deps.db,
    carts,
    orders,
    keys,
    saga,
    defaultPaymentMethod: config.CHECKOUT_PAYMENT_METHOD_DEFAULT,
    declines,
    background,
    stopping: closing.signal,
    syncBudgetMs: config.CHECKOUT_SYNC_BUDGET_MS,
  });
  // Sagas still driven for requests already answered 202 stop after their current
  // step (peer calls are aborted); each is persisted, so recovery resumes it.
  app.addHook('onClose', async () => {
    closing.abort();
    await Promise.race([Promise.all(background), sleep(BACKGROUND_STOP_MS, undefined, { ref: false })]);
  });

  if (overrides.saga?.recovery !== false) {
    const intervalMs = config.SAGA_RECOVERY_INTERVAL_MS;
    let lastPurge = 0;
    const loop = startRecoveryLoop(
      saga,
      {
        intervalMs,
        staleAfterMs: overrides.saga?.staleAfterMs ?? Math.max(1000, 3 * intervalMs),
        // Expired idempotency keys, and declines out of the window, are swept at most hourly.
        onTick: async () => {
          if (Date.now() - lastPurge < 3_600_000) return;
          lastPurge = Date.now();
          await keys.purgeExpired();
          await declines.log.purgeBefore(declines.now() - windowMs);
        },
      },
      deps.logger,
    );
    app.addHook('onClose', () => loop.stop());
  }
  app.addHook('onClose', async () => {
    await Promise.all(ownedPeers.map((p) => p.close()));
  });
  // Outbox rows written with each state change reach the bus (JetStream at NATS_URL, else the PostgreSQL log) through this relay.
  relayOutboxToLog(app, deps, config);
  return app;
}

function jwksVerifier(config: OrderConfig, peer: (service: string, urls: string) => PeerClient): TokenVerifier {
  if (!config.PEER_USER_URLS)
    throw new Error('PEER_USER_URLS is required to verify access tokens (or inject a verifier)');
  const users = peer('user', config.PEER_USER_URLS);
  return createTokenVerifier({
    loadKeys: async () => {
      const response = await users.request<JSONWebKeySet>({ method: 'GET', path: JWKS_PATH });
      if (response.status !== 200) throw new Error(`The user service answered ${response.status} for its key set`);
      return response.body;
    },
  });
}
