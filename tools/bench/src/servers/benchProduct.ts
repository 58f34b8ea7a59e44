// The one product every bench fixture answers with (the shape of a product
// read), and the path it is read at, so every row serves the same bytes.

/** The product the fixtures return. */
export const BENCH_PRODUCT = {
  id: '0b7c9d2e-6f5a-4c1b-9e8d-7a6b5c4d3e2f',
  sku: 'SKU-1',
  name: 'Bench Headphones',
  priceMinor: 4999,
  currency: 'EUR',
} as const;

/** Where a front or the load generator reads it. */
export const BENCH_PRODUCT_PATH = `/products/${BENCH_PRODUCT.id}`;
