import { randomUUID } from 'node:crypto';
import type { Database } from '@shop/data';
import { AppError } from '@shop/platform';
import { PRODUCT_COLUMNS, toProduct, type ProductRow } from '../adapters/productRows.ts';
import { availabilityOf, type Attributes } from '../domain/product.ts';
import { writeOutbox } from './outbox.ts';
import type { ProductView } from './productReader.ts';

export interface NewProduct {
  sku: string;
  name: string;
  brand: string;
  category: string;
  description?: string;
  attributes?: Attributes;
  priceMinor: number;
  currency: string;
  images?: string[];
  stock?: number;
}

/** Creates a product and its inventory row (stock on hand, default 0) in one transaction; a taken SKU is a conflict. */
export async function createProduct(
  db: Database,
  input: NewProduct,
  context: { correlationId: string },
): Promise<ProductView> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<ProductRow>(
      `INSERT INTO products AS p (id, sku, name, brand, category, description, attributes, price_minor, currency, images)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (sku) DO NOTHING
       RETURNING ${PRODUCT_COLUMNS}`,
      [
        randomUUID(),
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
    const row = rows[0];
    if (!row) throw new AppError('CONFLICT', { detail: `A product with SKU ${input.sku} already exists` });
    const stock = input.stock ?? 0;
    await tx.query('INSERT INTO inventory (sku, on_hand) VALUES ($1, $2)', [row.sku, stock]);
    const product = toProduct(row);
    await writeOutbox(tx, {
      topic: 'product',
      type: 'product.updated',
      key: product.id,
      aggregateId: product.id,
      correlationId: context.correlationId,
      payload: { product, stock: { onHand: stock, reserved: 0 } },
    });
    return { ...product, availability: availabilityOf(stock, 0) };
  });
}
