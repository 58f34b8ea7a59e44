import { AppError } from '@shop/platform';
import type { ProductStore } from '../domain/ports.ts';

/**
 * Deletes a product and its inventory. Refused while units are reserved: an
 * order saga holding them must be able to commit or release what it holds.
 */
export async function deleteProduct(
  store: ProductStore,
  id: string,
  context: { correlationId: string },
): Promise<void> {
  await store.transaction(async ({ catalog, outbox }) => {
    const found = await catalog.lockForDelete(id);
    if (!found) throw new AppError('NOT_FOUND', { detail: `No product ${id}` });
    if (found.reserved > 0)
      throw new AppError('CONFLICT', {
        detail: `${found.reserved} units of this product are reserved; release or commit them first`,
      });
    await catalog.delete(id);
    await outbox.append({
      type: 'product.deleted',
      key: id,
      correlationId: context.correlationId,
      payload: { productId: id, sku: found.sku },
    });
  });
}
