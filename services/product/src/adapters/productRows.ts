import type { Attributes, Product } from '../domain/product.ts';

/** The columns every product read selects (prefixed `p.`), in the shape toProduct expects. */
export const PRODUCT_COLUMNS = `p.id, p.sku, p.name, p.brand, p.category, p.description, p.attributes,
  p.price_minor::float8 AS price_minor, p.currency, p.images, p.created_at, p.updated_at`;

export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  brand: string;
  category: string;
  description: string;
  attributes: Attributes;
  price_minor: number;
  currency: string;
  images: string[];
  created_at: Date;
  updated_at: Date;
}

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
