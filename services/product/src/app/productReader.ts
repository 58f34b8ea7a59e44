import type { Queryable } from '@shop/data';
import { PRODUCT_COLUMNS, toProduct, type ProductRow } from '../adapters/productRows.ts';
import { availabilityOf, type Availability, type Product } from '../domain/product.ts';
import type { Cache } from '../domain/ports.ts';

export interface ProductView extends Product {
  availability: Availability;
}

export interface ProductReader {
  /** The product with fresh availability; undefined when there is no such product. */
  get(id: string): Promise<ProductView | undefined>;
  /** Drops the cached entry; call after any change to the product has committed. */
  invalidate(id: string): Promise<void>;
}

/**
 * Cache-aside for product data, with single flight: concurrent misses on one
 * key share one database read. Availability is never cached: it is read fresh
 * (one primary-key lookup), so no instance serves stale stock.
 *
 * An invalidation during a load bumps the key's generation, so the load that
 * started before the change does not write its (possibly stale) row back.
 */
export function createProductReader(options: { db: Queryable; cache: Cache<Product>; ttlSeconds: number }): ProductReader {
  const { db, cache, ttlSeconds } = options;
  const inflight = new Map<string, Promise<Product | undefined>>();
  const generations = new Map<string, number>();

  const fetchProduct = async (id: string): Promise<Product | undefined> => {
    const { rows } = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.id = $1`, [id]);
    return rows[0] ? toProduct(rows[0]) : undefined;
  };

  const load = async (id: string): Promise<Product | undefined> => {
    const cached = await cache.get(id);
    if (cached) return cached;
    let pending = inflight.get(id);
    if (!pending) {
      const generation = generations.get(id) ?? 0;
      const started = (async () => {
        const product = await fetchProduct(id);
        if (product && (generations.get(id) ?? 0) === generation) await cache.set(id, product, ttlSeconds);
        return product;
      })().finally(() => {
        if (inflight.get(id) === started) inflight.delete(id);
      });
      inflight.set(id, started);
      pending = started;
    }
    return pending;
  };

  return {
    async get(id) {
      const product = await load(id);
      if (!product) return undefined;
      const { rows } = await db.query<{ on_hand: number; reserved: number }>('SELECT on_hand, reserved FROM inventory WHERE sku = $1', [product.sku]);
      const stock = rows[0];
      if (!stock) {
        // Deleted since it was cached (on another instance).
        await this.invalidate(id);
        return undefined;
      }
      return { ...product, availability: availabilityOf(stock.on_hand, stock.reserved) };
    },
    async invalidate(id) {
      generations.set(id, (generations.get(id) ?? 0) + 1);
      inflight.delete(id);
      await cache.delete(id);
    },
  };
}
