import { replaceControlCharacters } from './text.ts';

/**
 * The search request as the domain sees it: already schema-validated values,
 * normalised and checked against the rules a schema cannot express.
 */
export const SORTS = ['relevance', 'price_asc', 'price_desc', 'newest', 'name'] as const;
export type Sort = (typeof SORTS)[number];

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
export const MAX_QUERY_LENGTH = 200;

export interface SearchInput {
  q?: string;
  category?: string;
  brand?: string;
  minPrice?: number;
  maxPrice?: number;
  sort?: Sort;
  limit?: number;
  cursor?: string;
}

export interface SearchQuery {
  /** Normalised text query; undefined when absent or blank. */
  text: string | undefined;
  category: string | undefined;
  brand: string | undefined;
  minPrice: number | undefined;
  maxPrice: number | undefined;
  sort: Sort;
  limit: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Collapses whitespace, drops control characters; blank becomes undefined. */
export function normaliseText(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const text = replaceControlCharacters(raw).replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text.slice(0, MAX_QUERY_LENGTH);
}

export function parseSearch(input: SearchInput): Parsed<SearchQuery> {
  const text = normaliseText(input.q);
  const limit = input.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    return { ok: false, field: 'query/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` };
  if (input.minPrice !== undefined && input.maxPrice !== undefined && input.minPrice > input.maxPrice) {
    return { ok: false, field: 'query/minPrice', message: 'must not be greater than maxPrice' };
  }
  const sort = input.sort ?? (text ? 'relevance' : 'newest');
  if (sort === 'relevance' && !text) return { ok: false, field: 'query/sort', message: 'relevance needs a query (q)' };
  return {
    ok: true,
    value: {
      text,
      category: normaliseText(input.category),
      brand: normaliseText(input.brand),
      minPrice: input.minPrice,
      maxPrice: input.maxPrice,
      sort,
      limit,
    },
  };
}

/**
 * What a cursor is bound to: the same query with another cursor is a new
 * search, so a cursor from one search is refused on another.
 */
export function searchFingerprint(query: SearchQuery): string {
  return JSON.stringify([
    query.text ?? null,
    query.category ?? null,
    query.brand ?? null,
    query.minPrice ?? null,
    query.maxPrice ?? null,
    query.sort,
  ]);
}
