import { env, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/** The product service's variables beyond the base set (README table). */
export const configSpec = {
  /** User-service instances serving the JWKS; optional when a verifier is injected (tests). */
  PEER_USER_URLS: env.optionalString(),
  /** Products generated into an empty catalog on start; 0 turns the generator off. */
  CATALOG_SEED_COUNT: env.int({ default: 10_000, min: 0, max: 1_000_000 }),
  /** PRNG seed of the generator: the same seed gives the same catalog. */
  CATALOG_SEED: env.int({ default: 42, min: 0, max: 4_294_967_295 }),
  /** Shared product cache and read-your-writes floors (redis://); unset: in process, per instance. */
  REDIS_URL: env.optionalUrl({ protocols: ['redis:', 'rediss:'] }),
  PRODUCT_CACHE_TTL_SEC: env.int({ default: 300, min: 1, max: 86_400 }),
  PRODUCT_CACHE_MAX_ENTRIES: env.int({ default: 10_000, min: 1, max: 1_000_000 }),
  /** How long a search page is reused on an instance (any product change clears them); 0 turns it off. */
  PRODUCT_SEARCH_CACHE_TTL_MS: env.int({ default: 5000, min: 0, max: 600_000 }),
  /** How long a reservation holds stock when the caller does not say. */
  RESERVATION_TTL_SEC: env.int({ default: 900, min: 10, max: 3600 }),
  /** How often expired reservations are looked for and released. */
  RESERVATION_SWEEP_INTERVAL_MS: env.int({ default: 5000, min: 50, max: 600_000 }),
};

export type ProductConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
