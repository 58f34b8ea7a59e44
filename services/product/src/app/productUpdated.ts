import type { EventOutbox, ProductView, Stock } from '../domain/ports.ts';
import { availabilityOf, type Product } from '../domain/product.ts';

/**
 * Records product.updated (the product as it now is, with its stock) on the
 * change's transaction, and answers the product as the caller sees it.
 */
export async function productUpdated(
  outbox: EventOutbox,
  change: { product: Product; stock: Stock; correlationId: string },
): Promise<ProductView> {
  const { product, stock, correlationId } = change;
  await outbox.append({ type: 'product.updated', key: product.id, correlationId, payload: { product, stock } });
  return { ...product, availability: availabilityOf(stock.onHand, stock.reserved) };
}
