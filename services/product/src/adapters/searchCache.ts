import { cacheAside, MemoryCache } from '@shop/data';
import type { SearchCache, SearchResult } from '../domain/ports.ts';
import { searchFingerprint } from '../domain/search.ts';

/**
 * Recent search pages, per instance. Search traffic is heavy-headed (a few
 * queries are most of it) and a search is the catalog's most expensive read:
 * full-text and trigram matching over every product, twice (page and facets).
 * A page is kept for `ttlMs`; any product change clears them all (the
 * product_changes notification reaches every instance), so names, prices and
 * membership are never older than the change. Availability in a page may be up
 * to `ttlMs` old, as in any search listing; a product page and a reservation
 * always read stock fresh. Callers with a read-your-writes floor bypass it.
 */
export function createSearchCache(options: { ttlMs: number; maxEntries: number }): SearchCache {
  if (options.ttlMs <= 0) return { read: (_query, _after, load) => load(), clear: () => undefined };
  const store = new MemoryCache({ maxEntries: options.maxEntries });
  const aside = cacheAside(store);
  let generation = 0;
  return {
    async read(query, after, load) {
      const key = JSON.stringify([
        generation,
        searchFingerprint(query),
        query.limit,
        after?.key ?? null,
        after?.id ?? null,
      ]);
      // A load always yields a page, so the read does too.
      return (await aside.read<SearchResult>(key, options.ttlMs, load))!;
    },
    clear() {
      // A load in flight under the old generation may still store its page, under a key no one reads again.
      generation += 1;
      void store.clear();
    },
  };
}
