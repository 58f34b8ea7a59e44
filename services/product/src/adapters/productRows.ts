import type { Product } from '../domain/product.ts';

/** The columns every product read selects (prefixed `p.`), in the shape toProduct expects. */
export const PRODUCT_COLUMNS = `p.id, p.sku, p.name, p.brand, p.category, p.description, p.attributes,
  p.price_minor::float8 AS price_minor, p.currency, p.images, p.created_at, p.updated_at`;

/** A products row: the product's own fields, with the price and the dates under their column names. */
export type ProductRow = Omit<Product, 'priceMinor' | 'createdAt' | 'updatedAt'> & {
  price_minor: number;
  created_at: Date;
  updated_at: Date;
};

/** A row with its stock (on_hand, reserved). */
export type StockedRow = ProductRow & { on_hand: number; reserved: number };

export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    brand: row.brand,
    category: row.category,
    description: row.description,
    attributes: row.attributes,
    priceMinor: row.price_minor,
    currency: row.currency,
    images: row.images,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
