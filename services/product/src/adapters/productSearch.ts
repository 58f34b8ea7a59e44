import type { Queryable, Reads } from '@shop/data';
import { encodeCursor, type CursorPosition } from '../domain/cursor.ts';
import { PRICE_BANDS } from '../domain/priceBands.ts';
import type { Facets, ProductSearch, SearchResult } from '../domain/ports.ts';
import { availabilityOf } from '../domain/product.ts';
import { searchFingerprint, type SearchQuery, type Sort } from '../domain/search.ts';
import { PRODUCT_COLUMNS, toProduct, type StockedRow } from './productRows.ts';

const MAX_BRAND_FACETS = 50;

/** Word similarity at which a misspelt word still matches: "wison" for Wilson scores 0.44. */
const TYPO_THRESHOLD = 0.4;

/** Per sort: the key expression (over the matched rows `m`), its text form for the cursor, its SQL type, its direction. */
const sortKeys: Record<Sort, { expr: string; text: string; type: string; dir: 'ASC' | 'DESC' }> = {
  relevance: { expr: 'm.score', text: 'm.score::text', type: 'real', dir: 'DESC' },
  price_asc: { expr: 'm.price_minor', text: 'm.price_minor::bigint::text', type: 'bigint', dir: 'ASC' },
  price_desc: { expr: 'm.price_minor', text: 'm.price_minor::bigint::text', type: 'bigint', dir: 'DESC' },
  newest: {
    expr: 'm.created_at',
    text: `to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    type: 'timestamptz',
    dir: 'DESC',
  },
  name: { expr: 'm.name', text: 'm.name', type: 'text', dir: 'ASC' },
};

type FacetRow = { category: string | null; brand: string | null; band: string | null; n: number; g: number };

/** The catalog's search over the replica router: each search on one reader at or past the caller's floor. */
export function createProductSearch(reads: Reads): ProductSearch {
  return {
    search(query, after, minLsn) {
      if (query.text === undefined) return reads.withReader((q) => searchProducts(q, query, after), { minLsn });
      // Typo tolerance is a property of this query, set where it runs: a database
      // default reaches only sessions opened after it was set.
      return reads.withReader(
        async (tx) => {
          await tx.query(`SET LOCAL pg_trgm.word_similarity_threshold = ${TYPO_THRESHOLD}`);
          return searchProducts(tx, query, after);
        },
        { minLsn, transaction: true },
      );
    },
  };
}

/** Collects a statement's parameters: `add` returns the placeholder of the value it adds. */
function parameters(): { values: unknown[]; add: (value: unknown) => string } {
  const values: unknown[] = [];
  return { values, add: (value) => `$${values.push(value)}` };
}

/**
 * The matching rows with their stock and score, as a subquery: full-text
 * (name A > brand B > description C) or'ed with trigram word similarity on
 * name and brand, so a misspelt word still finds its product; filters
 * combine with AND.
 */
function matching(query: SearchQuery, add: (value: unknown) => string): string {
  const where: string[] = [];
  let score = 'NULL::real';
  if (query.text !== undefined) {
    const raw = add(query.text);
    const tsq = `websearch_to_tsquery('english', ${raw})`;
    where.push(`(p.search @@ ${tsq} OR ${raw} <% p.name OR ${raw} <% p.brand)`);
    score = `(ts_rank(p.search, ${tsq}) + word_similarity(${raw}, p.name))::real`;
  }
  if (query.category !== undefined) where.push(`p.category = ${add(query.category)}`);
  if (query.brand !== undefined) where.push(`p.brand = ${add(query.brand)}`);
  if (query.minPrice !== undefined) where.push(`p.price_minor >= ${add(query.minPrice)}`);
  if (query.maxPrice !== undefined) where.push(`p.price_minor <= ${add(query.maxPrice)}`);
  return `SELECT ${PRODUCT_COLUMNS}, ${score} AS score, i.on_hand, i.reserved
    FROM products p JOIN inventory i ON i.sku = p.sku
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`;
}

/** Keyset pagination on (sort key, id); one row more than the page says whether there is a next one. */
async function page(
  db: Queryable,
  query: SearchQuery,
  after: CursorPosition | undefined,
): Promise<Array<StockedRow & { sort_key: string }>> {
  const params = parameters();
  const matched = matching(query, params.add);
  const key = sortKeys[query.sort];
  let keyset = '';
  if (after) {
    const k = `${params.add(after.key)}::${key.type}`;
    const id = `${params.add(after.id)}::uuid`;
    keyset = `WHERE ${key.expr} ${key.dir === 'ASC' ? '>' : '<'} ${k} OR (${key.expr} = ${k} AND m.id > ${id})`;
  }
  const { rows } = await db.query<StockedRow & { sort_key: string }>(
    `SELECT m.*, ${key.text} AS sort_key FROM (${matched}) m ${keyset}
     ORDER BY ${key.expr} ${key.dir}, m.id ASC LIMIT ${params.add(query.limit + 1)}`,
    params.values,
  );
  return rows;
}

/** Facets count the whole matching set (every filter applied), not one page. */
async function facets(db: Queryable, query: SearchQuery): Promise<Facets> {
  const params = parameters();
  const matched = matching(query, params.add);
  const { rows } = await db.query<FacetRow>(
    `SELECT f.category, f.brand, f.band, count(*)::int AS n, GROUPING(f.category, f.brand, f.band) AS g
     FROM (SELECT m.category, m.brand, ${bandCase('m.price_minor')} AS band FROM (${matched}) m) f
     GROUP BY GROUPING SETS ((f.category), (f.brand), (f.band))`,
    params.values,
  );
  return toFacets(rows);
}

/** One page of a search and the facets of all it matches. */
export async function searchProducts(
  db: Queryable,
  query: SearchQuery,
  after: CursorPosition | undefined,
): Promise<SearchResult> {
  const found = await page(db, query, after);
  const counted = await facets(db, query);
  const rows = found.slice(0, query.limit);
  const last = rows[rows.length - 1];
  const nextCursor =
    found.length > query.limit && last
      ? encodeCursor(searchFingerprint(query), { key: last.sort_key, id: last.id })
      : null;
  return {
    items: rows.map((row) => ({ ...toProduct(row), availability: availabilityOf(row.on_hand, row.reserved) })),
    facets: counted,
    nextCursor,
  };
}

function bandCase(column: string): string {
  const arms = PRICE_BANDS.map((band) =>
    band.maxMinor === undefined ? `ELSE '${band.key}'` : `WHEN ${column} <= ${band.maxMinor} THEN '${band.key}'`,
  );
  return `CASE ${arms.join(' ')} END`;
}

/** GROUPING(category, brand, band) has a bit set per column left out: 3 = the category set, 5 = brand, 6 = price band. */
function toFacets(rows: FacetRow[]): Facets {
  const byCount = (a: { value: string; count: number }, b: { value: string; count: number }): number =>
    b.count - a.count || (a.value < b.value ? -1 : 1);
  const category = rows
    .filter((r) => r.g === 3 && r.category !== null)
    .map((r) => ({ value: r.category!, count: r.n }))
    .sort(byCount);
  const brand = rows
    .filter((r) => r.g === 5 && r.brand !== null)
    .map((r) => ({ value: r.brand!, count: r.n }))
    .sort(byCount)
    .slice(0, MAX_BRAND_FACETS);
  const bands = new Map(rows.filter((r) => r.g === 6 && r.band !== null).map((r) => [r.band!, r.n]));
  const price = PRICE_BANDS.map((band) => ({
    key: band.key,
    minPriceMinor: band.minMinor,
    maxPriceMinor: band.maxMinor ?? null,
    count: bands.get(band.key) ?? 0,
  }));
  return { category, brand, price };
}
