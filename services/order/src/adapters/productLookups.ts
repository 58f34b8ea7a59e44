import { cacheAside, MemoryCache } from '@shop/data';
import type { ProductInfo, ProductPort } from '../domain/ports.ts';

/**
 * The cart's product lookups, remembered for `ttlMs` per product, one lookup
 * per product at a time. A cart shows every line's name and price, so without
 * this each view or change of a cart of n lines costs n calls to the product
 * service. What the cart shows may be `ttlMs` old; what an order charges never
 * is: the reservation snapshots name and price from the product service itself.
 * Only products found are kept; a failed lookup is not remembered.
 */
export function rememberLookups(
  port: ProductPort,
  options: { ttlMs: number; maxEntries?: number; now?: () => number },
): ProductPort {
  if (options.ttlMs <= 0) return port;
  // cacheAside stores only what a load found, and only when the load succeeded.
  const known = cacheAside(new MemoryCache({ maxEntries: options.maxEntries ?? 10_000, now: options.now }));
  return {
    ...port,
    getProduct: (productId, signal) =>
      known.read<ProductInfo>(productId, options.ttlMs, () => port.getProduct(productId, signal)),
  };
}
