import {
  cacheAside,
  maxLsn,
  parseLsn,
  type Cache,
  type ConsistencyTracker,
  type Queryable,
  type Reads,
} from '@shop/data';
import type { ProductReader } from '../domain/ports.ts';
import { availabilityOf, type Product } from '../domain/product.ts';
import { PRODUCT_COLUMNS, toProduct, type ProductRow } from './productRows.ts';

/** A cached product and a lower bound of the WAL position it was read at (null: unknown). */
interface Entry {
  product: Product;
  lsn: string | null;
}

const PRODUCT_BY_ID = `SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.id = $1`;
const STOCK_BY_SKU = 'SELECT on_hand, reserved FROM inventory WHERE sku = $1';

/**
 * Cache-aside for product data (single flight per key), read through the
 * replica router. Availability is never cached: it is read fresh on every
 * request (one primary-key lookup), so no instance serves stale stock.
 *
 * Entries carry the position they were read at, so a caller whose floor is
 * later (its own write, or a change this instance heard of) refuses an older
 * entry and reads again. A product missing on a replica is looked for on the
 * primary: absence on a replica that is behind proves nothing.
 */
export function createProductReader(options: {
  reads: Reads;
  primary: Queryable;
  cache: Cache;
  ttlMs: number;
  changes: ConsistencyTracker;
  onCacheError?: (error: unknown) => void;
}): ProductReader {
  const { reads, primary, cache, ttlMs, changes } = options;
  const aside = cacheAside(cache, options.onCacheError);

  const fetchProduct = async (id: string, floor: string | undefined): Promise<Entry | undefined> => {
    const read = await reads.withReader(
      async (q, source) => ({ rows: (await q.query<ProductRow>(PRODUCT_BY_ID, [id])).rows, source }),
      { minLsn: floor },
    );
    if (read.rows[0]) return { product: toProduct(read.rows[0]), lsn: read.source.position ?? null };
    if (read.source.target === 'primary') return undefined;
    const { rows } = await primary.query<ProductRow>(PRODUCT_BY_ID, [id]);
    return rows[0] ? { product: toProduct(rows[0]), lsn: floor ?? null } : undefined;
  };

  const fetchStock = async (
    sku: string,
    floor: string | undefined,
  ): Promise<{ on_hand: number; reserved: number } | undefined> => {
    const read = await reads.withReader(
      async (q, source) => ({
        row: (await q.query<{ on_hand: number; reserved: number }>(STOCK_BY_SKU, [sku])).rows[0],
        source,
      }),
      { minLsn: floor },
    );
    if (read.row || read.source.target === 'primary') return read.row;
    return (await primary.query<{ on_hand: number; reserved: number }>(STOCK_BY_SKU, [sku])).rows[0];
  };

  return {
    async get(id, floor) {
      const changed = await changes.minLsnFor(id);
      const needed = maxLsn(floor, changed);
      const entry = await aside.read<Entry>(id, ttlMs, () => fetchProduct(id, needed), {
        accept: (e) => atLeast(e.lsn, needed),
      });
      if (!entry) return undefined;
      // At or past the product row's own position: its inventory row (same transaction) is there unless deleted since.
      const stock = await fetchStock(entry.product.sku, maxLsn(floor, entry.lsn ?? undefined));
      if (!stock) {
        // Deleted since it was cached (on another instance).
        await this.invalidate(id);
        return undefined;
      }
      return { ...entry.product, availability: availabilityOf(stock.on_hand, stock.reserved) };
    },
    async invalidate(id, position) {
      if (position !== undefined) await changes.noteWrite(id, position);
      await aside.invalidate(id);
    },
  };
}

function atLeast(lsn: string | null, floor: string | undefined): boolean {
  if (floor === undefined) return true;
  return lsn !== null && parseLsn(lsn) >= parseLsn(floor);
}
