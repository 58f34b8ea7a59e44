import { createAuthenticatedApp, type TokenVerifier } from '@shop/auth';
import {
  ConsistencyTracker,
  MemoryCache,
  ReadRouter,
  ReadYourWrites,
  resolveCache,
  startPeriodic,
  type Cache,
} from '@shop/data';
import { relayOutboxToLog } from '@shop/events';
import type { Logger, ServiceApp, ServiceDeps } from '@shop/platform';
import { seedCatalog } from './adapters/catalogSeed.ts';
import { createProductReader } from './adapters/productReader.ts';
import { createProductSearch } from './adapters/productSearch.ts';
import { createProductStore } from './adapters/productStore.ts';
import { createSearchCache } from './adapters/searchCache.ts';
import { sweepExpired } from './app/sweepExpired.ts';
import type { ProductConfig } from './config.ts';
import type { ProductReader, ProductStore, SearchCache } from './domain/ports.ts';
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
  const { app, peers } = createAuthenticatedApp(config, deps, { caller: 'product', verifier: overrides.verifier });
  const parts = productParts(config, deps, overrides);
  const changes = followProductChanges({
    db: deps.db,
    reader: parts.reader,
    cache: parts.cache,
    searchCache: parts.searchCache,
    positionNow: parts.reads.hasReplicas ? () => parts.reads.positionAfterWrite() : undefined,
    logger: deps.logger,
  });
  registerRoutes(app, parts, config);
  app.addHook('onReady', async () => {
    const seeded = await seedCatalog(deps.db, { count: config.CATALOG_SEED_COUNT, seed: config.CATALOG_SEED });
    if (seeded > 0) deps.logger.info({ products: seeded, seed: config.CATALOG_SEED }, 'empty catalog seeded');
  });
  if (overrides.sweeper !== false) {
    const sweeper = startSweeper(parts.store, deps.logger, config.RESERVATION_SWEEP_INTERVAL_MS);
    app.addHook('onClose', () => sweeper.stop());
  }
  app.addHook('onClose', async () => {
    await changes.close();
    await Promise.all([parts.cache.close(), parts.rw.close(), peers.close()]);
    if (!deps.reads) await parts.reads.close();
  });
  // Outbox rows written with each state change reach the event log through this relay.
  relayOutboxToLog(app, deps, config);
  return app;
}

/** The service's parts, made once from its configuration and dependencies. */
interface ProductParts {
  /** Replicas when configured, else the primary. */
  reads: ReadRouter;
  /** Read-your-writes tokens (Redis when configured). */
  rw: ReadYourWrites;
  /** The product cache (cache-aside), shared by instances when it is Redis. */
  cache: Cache;
  reader: ProductReader;
  /** Recent search pages, per instance. */
  searchCache: SearchCache;
  /** Writes: one transaction per change, with its event. */
  store: ProductStore;
}

function productParts(config: ProductConfig, deps: ServiceDeps, overrides: ProductOverrides): ProductParts {
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
  const maxEntries = config.PRODUCT_CACHE_MAX_ENTRIES;
  const cache = overrides.cache ?? resolveCache(config.REDIS_URL, { prefix: `product:${namespace}:`, maxEntries });
  const reader = createProductReader({
    reads,
    primary: deps.db,
    cache,
    ttlMs: config.PRODUCT_CACHE_TTL_SEC * 1000,
    changes: new ConsistencyTracker({ store: new MemoryCache({ maxEntries }) }),
    onCacheError,
  });
  const searchCache = createSearchCache({ ttlMs: config.PRODUCT_SEARCH_CACHE_TTL_MS, maxEntries: 1000 });
  return { reads, rw, cache, reader, searchCache, store: createProductStore(deps.db) };
}

function registerRoutes(app: ServiceApp, parts: ProductParts, config: ProductConfig): void {
  void app.register((plugin, _options, done) => {
    const scope = plugin as unknown as ServiceApp;
    // Database refusals become 4xx here; anything else goes on to the platform's handler.
    scope.setErrorHandler((error) => {
      throw pgError(error) ?? error;
    });
    const { store, reader, rw, searchCache } = parts;
    registerProductRoutes(scope, { store, search: createProductSearch(parts.reads), reader, rw, searchCache });
    registerInventoryRoutes(scope, { store, defaultTtlSeconds: config.RESERVATION_TTL_SEC });
    done();
  });
}

/** Releases expired reservations every `intervalMs` (never two sweeps at once) until stopped. */
function startSweeper(store: ProductStore, logger: Logger, intervalMs: number): { stop(): Promise<void> } {
  return startPeriodic(
    async () => {
      const count = await sweepExpired(store);
      if (count > 0) logger.info({ released: count }, 'expired reservations released');
    },
    {
      intervalMs,
      onError: (error) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'reservation sweep failed; retrying next tick',
        ),
    },
  );
}
