import type { Database, Queryable } from '@shop/data';
import { AppError } from '@shop/platform';
import { PRODUCT_COLUMNS, toProduct, type ProductRow } from '../adapters/productRows.ts';
import { availabilityOf, type Attributes } from '../domain/product.ts';
import { writeOutbox } from './outbox.ts';
import type { ProductView } from './productReader.ts';

/** Every field optional; the SKU is the inventory's key and cannot change. */
export interface ProductPatch {
  name?: string;
  brand?: string;
  category?: string;
  description?: string;
  attributes?: Attributes;
  priceMinor?: number;
  currency?: string;
  images?: string[];
  /** Units on hand; never below what is reserved. */
  stock?: number;
}

const columns: Record<Exclude<keyof ProductPatch, 'stock'>, { column: string; encode?: (v: unknown) => unknown }> = {
  name: { column: 'name' },
  brand: { column: 'brand' },
  category: { column: 'category' },
  description: { column: 'description' },
  attributes: { column: 'attributes', encode: (v) => JSON.stringify(v) },
  priceMinor: { column: 'price_minor' },
  currency: { column: 'currency' },
  images: { column: 'images' },
};

/** Applies a partial change and, when given, sets stock on hand (refused below the reserved units). */
export async function updateProduct(
  db: Database,
  id: string,
  patch: ProductPatch,
  context: { correlationId: string },
): Promise<ProductView> {
  return db.transaction(async (tx) => {
    const sets: string[] = [];
    const values: unknown[] = [id];
    for (const [field, spec] of Object.entries(columns) as Array<
      [keyof typeof columns, (typeof columns)[keyof typeof columns]]
    >) {
      const value = patch[field];
      if (value === undefined) continue;
      values.push(spec.encode ? spec.encode(value) : value);
      sets.push(`${spec.column} = $${values.length}`);
    }
    const { rows } = await tx.query<ProductRow>(
      `UPDATE products p SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE p.id = $1 RETURNING ${PRODUCT_COLUMNS}`,
      values,
    );
    const row = rows[0];
    if (!row) throw new AppError('NOT_FOUND', { detail: `No product ${id}` });
    const stock =
      patch.stock === undefined ? await currentStock(tx, row.sku) : await setStock(tx, row.sku, patch.stock);
    const product = toProduct(row);
    await writeOutbox(tx, {
      topic: 'product',
      type: 'product.updated',
      key: product.id,
      aggregateId: product.id,
      correlationId: context.correlationId,
      payload: { product, stock: { onHand: stock.on_hand, reserved: stock.reserved } },
    });
    return { ...product, availability: availabilityOf(stock.on_hand, stock.reserved) };
  });
}

type Stock = { on_hand: number; reserved: number };

async function currentStock(tx: Queryable, sku: string): Promise<Stock> {
  const { rows } = await tx.query<Stock>('SELECT on_hand, reserved FROM inventory WHERE sku = $1', [sku]);
  return rows[0] ?? { on_hand: 0, reserved: 0 };
}

async function setStock(tx: Queryable, sku: string, onHand: number): Promise<Stock> {
  const { rows } = await tx.query<Stock>(
    'UPDATE inventory SET on_hand = $2 WHERE sku = $1 AND reserved <= $2 RETURNING on_hand, reserved',
    [sku, onHand],
  );
  if (rows[0]) return rows[0];
  const current = await currentStock(tx, sku);
  throw new AppError('CONFLICT', {
    detail: `Stock on hand cannot go below the ${current.reserved} units reserved`,
    extensions: { reserved: current.reserved },
  });
}
