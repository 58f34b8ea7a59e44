import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import type { NewProduct, ProductStore, ProductView } from '../domain/ports.ts';
import { productUpdated } from './productUpdated.ts';

/** Creates a product and its inventory row (stock on hand, default 0) in one transaction; a taken SKU is a conflict. */
export async function createProduct(
  store: ProductStore,
  input: NewProduct,
  context: { correlationId: string },
): Promise<ProductView> {
  return store.transaction(async ({ catalog, inventory, outbox }) => {
    const product = await catalog.insert({ ...input, id: randomUUID() });
    if (!product) throw new AppError('CONFLICT', { detail: `A product with SKU ${input.sku} already exists` });
    const stock = { onHand: input.stock ?? 0, reserved: 0 };
    await inventory.create(product.sku, stock.onHand);
    return productUpdated(outbox, { product, stock, correlationId: context.correlationId });
  });
}
