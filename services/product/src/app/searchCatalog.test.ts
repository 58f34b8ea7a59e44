import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProductSearch, SearchCache, SearchResult } from '../domain/ports.ts';
import { parseSearch } from '../domain/search.ts';
import { searchCatalog } from './searchCatalog.ts';

const page = (label: string): SearchResult => ({
  items: [],
  facets: { category: [], brand: [], price: [] },
  nextCursor: label,
});

function parts(): { search: ProductSearch; cache: SearchCache; floors: Array<string | undefined>; cached: number } {
  const state: ReturnType<typeof parts> = {
    floors: [],
    cached: 0,
    search: {
      search: (_query, _after, minLsn) => {
        state.floors.push(minLsn);
        return Promise.resolve(page('fresh'));
      },
    } satisfies ProductSearch,
    cache: {
      read: () => {
        state.cached += 1;
        return Promise.resolve(page('cached'));
      },
      clear: () => undefined,
    } satisfies SearchCache,
  };
  return state;
}

const query = (() => {
  const parsed = parseSearch({ q: 'mug' });
  if (!parsed.ok) throw new Error('the query is valid');
  return parsed.value;
})();

test('without a read-your-writes floor a search page may come from the cache', async () => {
  const deps = parts();
  assert.equal((await searchCatalog(deps, query, undefined, undefined)).nextCursor, 'cached');
  assert.equal(deps.cached, 1);
  assert.deepEqual(deps.floors, []);
});

test('with a floor the search runs at or past it and the cache is passed over', async () => {
  const deps = parts();
  assert.equal((await searchCatalog(deps, query, undefined, '0/16B3748')).nextCursor, 'fresh');
  assert.equal(deps.cached, 0);
  assert.deepEqual(deps.floors, ['0/16B3748']);
});
