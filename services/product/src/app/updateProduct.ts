import { AppError } from '@shop/platform';
import type { InventoryRepository, ProductPatch, ProductStore, ProductView, Stock } from '../domain/ports.ts';
import { productUpdated } from './productUpdated.ts';

/** Applies a partial change and, when given, sets stock on hand (refused below the reserved units). */
export async function updateProduct(
  store: ProductStore,
  id: string,
  patch: ProductPatch,
  context: { correlationId: string },
): Promise<ProductView> {
  return store.transaction(async ({ catalog, inventory, outbox }) => {
    const { stock: onHand, ...fields } = patch;
    const product = await catalog.update(id, fields);
    if (!product) throw new AppError('NOT_FOUND', { detail: `No product ${id}` });
    const stock =
      onHand === undefined ? await inventory.stockOf(product.sku) : await setStock(inventory, product.sku, onHand);
    return productUpdated(outbox, { product, stock, correlationId: context.correlationId });
  });
}

async function setStock(inventory: InventoryRepository, sku: string, onHand: number): Promise<Stock> {
  const stock = await inventory.setOnHand(sku, onHand);
  if (stock) return stock;
  const { reserved } = await inventory.stockOf(sku);
  throw new AppError('CONFLICT', {
    detail: `Stock on hand cannot go below the ${reserved} units reserved`,
    extensions: { reserved },
  });
}
