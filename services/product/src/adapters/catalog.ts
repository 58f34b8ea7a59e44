import type { Queryable } from '@shop/data';
import type { CatalogRepository, NewProduct, ProductPatch } from '../domain/ports.ts';
import type { Product } from '../domain/product.ts';
import { PRODUCT_COLUMNS, toProduct, type ProductRow } from './productRows.ts';

type Column = { column: string; encode?: (v: unknown) => unknown };

/** The product fields a patch may set, and their columns. */
const columns: Record<Exclude<keyof ProductPatch, 'stock'>, Column> = {
  name: { column: 'name' },
  brand: { column: 'brand' },
  category: { column: 'category' },
  description: { column: 'description' },
  attributes: { column: 'attributes', encode: (v) => JSON.stringify(v) },
  priceMinor: { column: 'price_minor' },
  currency: { column: 'currency' },
  images: { column: 'images' },
};

/** The products table, on the caller's transaction. */
export class SqlCatalog implements CatalogRepository {
  readonly #tx: Queryable;

  constructor(tx: Queryable) {
    this.#tx = tx;
  }

  async insert(input: NewProduct & { id: string }): Promise<Product | undefined> {
    const { rows } = await this.#tx.query<ProductRow>(
      `INSERT INTO products AS p (id, sku, name, brand, category, description, attributes, price_minor, currency, images)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (sku) DO NOTHING
       RETURNING ${PRODUCT_COLUMNS}`,
      [
        input.id,
        input.sku,
        input.name,
        input.brand,
        input.category,
        input.description ?? '',
        JSON.stringify(input.attributes ?? {}),
        input.priceMinor,
        input.currency,
        input.images ?? [],
      ],
    );
    return rows[0] && toProduct(rows[0]);
  }

  async update(id: string, patch: Omit<ProductPatch, 'stock'>): Promise<Product | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    for (const [field, spec] of Object.entries(columns) as Array<[keyof typeof columns, Column]>) {
      const value = patch[field];
      if (value === undefined) continue;
      values.push(spec.encode ? spec.encode(value) : value);
      sets.push(`${spec.column} = $${values.length}`);
    }
    const { rows } = await this.#tx.query<ProductRow>(
      `UPDATE products p SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE p.id = $1 RETURNING ${PRODUCT_COLUMNS}`,
      values,
    );
    return rows[0] && toProduct(rows[0]);
  }

  async lockForDelete(id: string): Promise<{ sku: string; reserved: number } | undefined> {
    const { rows } = await this.#tx.query<{ sku: string; reserved: number }>(
      'SELECT p.sku, i.reserved FROM products p JOIN inventory i ON i.sku = p.sku WHERE p.id = $1 FOR UPDATE OF p, i',
      [id],
    );
    return rows[0];
  }

  async delete(id: string): Promise<void> {
    await this.#tx.query('DELETE FROM products WHERE id = $1', [id]);
  }
}
