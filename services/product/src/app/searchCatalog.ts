import type { CursorPosition } from '../domain/cursor.ts';
import type { ProductSearch, SearchCache, SearchResult } from '../domain/ports.ts';
import type { SearchQuery } from '../domain/search.ts';

/**
 * A page of the catalog's search. Recent pages come from the instance's
 * search cache, except for a caller with a read-your-writes floor: its own
 * write must show, so its search always runs (at or past the floor).
 */
export function searchCatalog(
  deps: { search: ProductSearch; cache: SearchCache },
  query: SearchQuery,
  after: CursorPosition | undefined,
  minLsn: string | undefined,
): Promise<SearchResult> {
  const load = (): Promise<SearchResult> => deps.search.search(query, after, minLsn);
  return minLsn === undefined ? deps.cache.read(query, after, load) : load();
}
