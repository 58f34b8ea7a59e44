import { createTokenVerifier, JWKS_PATH, registerAuthentication, type TokenVerifier } from '@shop/auth';
import { ConsistencyTracker, MemoryCache, ReadRouter, ReadYourWrites, resolveCache, type Cache } from '@shop/data';
import { relayOutboxToLog } from '@shop/events';
import {
  createBaseApp,
  createPeerClient,
  parsePeerUrls,
  type PeerClient,
  type ServiceApp,
  type ServiceDeps,
} from '@shop/platform';
import type { JSONWebKeySet } from 'jose';
import { createProductReader } from './app/productReader.ts';
import { createSearchCache } from './app/searchCache.ts';
import { seedCatalog } from './app/seedCatalog.ts';
import { startSweeper } from './app/sweepExpired.ts';
import type { ProductConfig } from './config.ts';
import { followProductChanges } from './events/productChanges.ts';
import { registerInventoryRoutes } from './http/inventoryRoutes.ts';
import { pgError } from './http/pgErrors.ts';
import { registerProductRoutes } from './http/productRoutes.ts';

export { configSpec, type ProductConfig } from './config.ts';
export { generateProducts, mulberry32 } from './domain/generator.ts';

export interface ProductOverrides {
  /** Verifies access tokens; by default one fed by the user service's JWKS (PEER_USER_URLS). */
  verifier?: TokenVerifier;
  /** The product cache; by default resolveCache(REDIS_URL): Redis, or an in-process LRU. Closed with the app. */
  cache?: Cache;
  /** Switch the expiry sweeper off (tests that sweep by hand). */
  sweeper?: boolean;
}

/** Builds the product service; never listens (main.ts does). Seeds an empty catalog when it becomes ready. */
export function createApp(config: ProductConfig, deps: ServiceDeps, overrides: ProductOverrides = {}): ServiceApp {
  const app = createBaseApp(config, deps);
  const ownedPeers: PeerClient[] = [];
  registerAuthentication(app, overrides.verifier ?? jwksVerifier(config, deps, ownedPeers));

  const reads = deps.reads ?? new ReadRouter(deps.db, []);
  // Keys are per database, so stacks sharing one Redis (tests, several shops) never mix.
  const namespace = new URL(config.DATABASE_URL).pathname.slice(1);
  const onCacheError = (error: unknown): void =>
    deps.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'cache unavailable; reading through',
    );
  const rw = new ReadYourWrites({
    scope: 'product',
    positionAfterWrite: () => reads.positionAfterWrite(),
    tracker: new ConsistencyTracker({ store: resolveCache(config.REDIS_URL, { prefix: `rw:${namespace}:` }) }),
    onError: onCacheError,
  });
  const cache =
    overrides.cache ??
    resolveCache(config.REDIS_URL, { prefix: `product:${namespace}:`, maxEntries: config.PRODUCT_CACHE_MAX_ENTRIES });
  const reader = createProductReader({
    reads,
    primary: deps.db,
    cache,
    ttlMs: config.PRODUCT_CACHE_TTL_SEC * 1000,
    changes: new ConsistencyTracker({ store: new MemoryCache({ maxEntries: config.PRODUCT_CACHE_MAX_ENTRIES }) }),
    onCacheError,
  });
  const searchCache = createSearchCache({ ttlMs: config.PRODUCT_SEARCH_CACHE_TTL_MS, maxEntries: 1000 });
  const changes = followProductChanges({
    db: deps.db,
    reader,
    cache,
    searchCache,
    positionNow: reads.hasReplicas ? () => reads.positionAfterWrite() : undefined,
    logger: deps.logger,
  });

  void app.register((plugin, _options, done) => {
    const scope = plugin as unknown as ServiceApp;
    // Database refusals become 4xx here; anything else goes on to the platform's handler.
    scope.setErrorHandler((error) => {
      throw pgError(error) ?? error;
    });
    registerProductRoutes(scope, { db: deps.db, reads, reader, rw, searchCache });
    registerInventoryRoutes(scope, { db: deps.db, defaultTtlSeconds: config.RESERVATION_TTL_SEC });
    done();
  });

  app.addHook('onReady', async () => {
    const seeded = await seedCatalog(deps.db, { count: config.CATALOG_SEED_COUNT, seed: config.CATALOG_SEED });
    if (seeded > 0) deps.logger.info({ products: seeded, seed: config.CATALOG_SEED }, 'empty catalog seeded');
  });

  if (overrides.sweeper !== false) {
    const sweeper = startSweeper(deps.db, deps.logger, config.RESERVATION_SWEEP_INTERVAL_MS);
    app.addHook('onClose', () => sweeper.stop());
  }
  app.addHook('onClose', async () => {
    await changes.close();
    await Promise.all([cache.close(), rw.close(), ...ownedPeers.map((p) => p.close())]);
    if (!deps.reads) await reads.close();
  });
  // Outbox rows written with each state change reach the event log through this relay.
  relayOutboxToLog(app, deps, config);
  return app;
}

function jwksVerifier(config: ProductConfig, deps: ServiceDeps, owned: PeerClient[]): TokenVerifier {
  let users: PeerClient;
  if (deps.peer) {
    users = deps.peer('user');
  } else {
    if (!config.PEER_USER_URLS)
      throw new Error('PEER_USER_URLS is required to verify access tokens (or inject a verifier)');
    users = createPeerClient({
      service: 'user',
      urls: parsePeerUrls(config.PEER_USER_URLS),
      caller: 'product',
      tls: deps.tls,
    });
    owned.push(users);
  }
  return createTokenVerifier({
    loadKeys: async () => {
      const response = await users.request<JSONWebKeySet>({ method: 'GET', path: JWKS_PATH });
      if (response.status !== 200) throw new Error(`The user service answered ${response.status} for its key set`);
      return response.body;
    },
  });
}
