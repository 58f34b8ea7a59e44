import { env, type Spec } from '../../config.ts';
import { peersSpec, redisSpec } from '../pieces.ts';

/** The product service's own variables (beyond baseServiceSpec). */
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
