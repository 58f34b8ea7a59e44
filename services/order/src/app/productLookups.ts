import type { ProductInfo, ProductPort } from '../domain/ports.ts';

/**
 * The cart's product lookups, remembered for `ttlMs` per product, one lookup
 * per product at a time. A cart shows every line's name and price, so without
 * this each view or change of a cart of n lines costs n calls to the product
 * service. What the cart shows may be `ttlMs` old; what an order charges never
 * is: the reservation snapshots name and price from the product service itself.
 * Only products found are kept; a failed lookup is not remembered.
 */
export function rememberLookups(port: ProductPort, options: { ttlMs: number; maxEntries?: number; now?: () => number }): ProductPort {
  if (options.ttlMs <= 0) return port;
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const known = new Map<string, { info: ProductInfo; until: number }>();
  const inflight = new Map<string, Promise<ProductInfo | undefined>>();
  return {
    ...port,
    getProduct(productId, signal) {
      const entry = known.get(productId);
      if (entry && entry.until > now()) return Promise.resolve(entry.info);
      const running = inflight.get(productId);
      if (running) return running;
      const lookup = port.getProduct(productId, signal).then((info) => {
        if (info) {
          known.delete(productId);
          known.set(productId, { info, until: now() + options.ttlMs });
          if (known.size > maxEntries) known.delete(known.keys().next().value!);
        }
        return info;
      });
      inflight.set(productId, lookup);
      const forget = (): void => void inflight.delete(productId);
      lookup.then(forget, forget);
      return lookup;
    },
  };
}
