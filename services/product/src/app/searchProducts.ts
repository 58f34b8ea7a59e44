import type { Queryable } from '@shop/data';
import { PRODUCT_COLUMNS, toProduct, type ProductRow } from '../adapters/productRows.ts';
import { encodeCursor, type CursorPosition } from '../domain/cursor.ts';
import { PRICE_BANDS } from '../domain/priceBands.ts';
import { availabilityOf } from '../domain/product.ts';
import { searchFingerprint, type SearchQuery, type Sort } from '../domain/search.ts';
import type { ProductView } from './productReader.ts';

export interface Facets {
  category: Array<{ value: string; count: number }>;
  brand: Array<{ value: string; count: number }>;
  price: Array<{ key: string; minPriceMinor: number; maxPriceMinor: number | null; count: number }>;
}

export interface SearchResult {
  items: ProductView[];
  facets: Facets;
  nextCursor: string | null;
}

const MAX_BRAND_FACETS = 50;

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

/**
 * Full-text search (name A > brand B > description C) or'ed with trigram
 * word similarity on name and brand, so a misspelt word still finds its
 * product; filters combine with AND; keyset pagination on (sort key, id).
 * Facets count the whole matching set (every filter applied), not one page.
 */
export async function searchProducts(
  db: Queryable,
  query: SearchQuery,
  after: CursorPosition | undefined,
): Promise<SearchResult> {
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  let score = 'NULL::real';
  if (query.text !== undefined) {
    const raw = param(query.text);
    const tsq = `websearch_to_tsquery('english', ${raw})`;
    where.push(`(p.search @@ ${tsq} OR ${raw} <% p.name OR ${raw} <% p.brand)`);
    score = `(ts_rank(p.search, ${tsq}) + word_similarity(${raw}, p.name))::real`;
  }
  if (query.category !== undefined) where.push(`p.category = ${param(query.category)}`);
  if (query.brand !== undefined) where.push(`p.brand = ${param(query.brand)}`);
  if (query.minPrice !== undefined) where.push(`p.price_minor >= ${param(query.minPrice)}`);
  if (query.maxPrice !== undefined) where.push(`p.price_minor <= ${param(query.maxPrice)}`);
  const matched = `SELECT ${PRODUCT_COLUMNS}, ${score} AS score, i.on_hand, i.reserved
    FROM products p JOIN inventory i ON i.sku = p.sku
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`;
  const filterParams = params.length;

  const key = sortKeys[query.sort];
  let keyset = '';
  if (after) {
    const k = `${param(after.key)}::${key.type}`;
    const id = `${param(after.id)}::uuid`;
    keyset = `WHERE ${key.expr} ${key.dir === 'ASC' ? '>' : '<'} ${k} OR (${key.expr} = ${k} AND m.id > ${id})`;
  }
  const page = await db.query<ProductRow & { on_hand: number; reserved: number; sort_key: string }>(
    `SELECT m.*, ${key.text} AS sort_key FROM (${matched}) m ${keyset}
     ORDER BY ${key.expr} ${key.dir}, m.id ASC LIMIT ${param(query.limit + 1)}`,
    params,
  );
  const facets = await db.query<{ category: string | null; brand: string | null; band: string | null; n: number }>(
    `SELECT f.category, f.brand, f.band, count(*)::int AS n, GROUPING(f.category, f.brand, f.band) AS g
     FROM (SELECT m.category, m.brand, ${bandCase('m.price_minor')} AS band FROM (${matched}) m) f
     GROUP BY GROUPING SETS ((f.category), (f.brand), (f.band))`,
    params.slice(0, filterParams),
  );

  const rows = page.rows.slice(0, query.limit);
  const last = rows[rows.length - 1];
  const nextCursor =
    page.rows.length > query.limit && last
      ? encodeCursor(searchFingerprint(query), { key: last.sort_key, id: last.id })
      : null;
  return {
    items: rows.map((row) => ({ ...toProduct(row), availability: availabilityOf(row.on_hand, row.reserved) })),
    facets: toFacets(
      facets.rows as Array<{
        category: string | null;
        brand: string | null;
        band: string | null;
        n: number;
        g: number;
      }>,
    ),
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
function toFacets(
  rows: Array<{ category: string | null; brand: string | null; band: string | null; n: number; g: number }>,
): Facets {
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
