/**
 * "Claim stale rows": the one query behind every recovery job (sagas nobody
 * drives, payments and refunds left pending). Rows matching the filter and
 * untouched for a while, whose lease has run out, are leased to the caller in
 * one statement; FOR UPDATE SKIP LOCKED lets several instances claim at once
 * without waiting on each other or taking the same row.
 */
import type { Queryable, QueryResultRow } from './database.ts';

export interface ClaimStaleOptions {
  table: string;
  /** Only rows whose column is one of these values, e.g. `{ status: ['pending'] }` (text columns). */
  where: Record<string, readonly string[]>;
  /** The column saying when the row last changed (e.g. updated_at or created_at); oldest first. */
  touchedColumn: string;
  /** The column holding the lease's end (timestamptz, NULL when never leased). */
  leaseColumn: string;
  /** Only rows untouched this long. */
  staleAfterMs: number;
  /** How long the claim holds. */
  leaseMs: number;
  limit: number;
  /** More columns to set on the claimed rows, e.g. `{ lease_owner: owner }`. */
  set?: Record<string, unknown>;
  /** The columns returned (default `*`). */
  returning?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Leases up to `limit` stale rows to the caller and returns them. */
export async function claimStale<Row extends QueryResultRow>(
  db: Queryable,
  options: ClaimStaleOptions,
): Promise<Row[]> {
  const { table, touchedColumn, leaseColumn } = options;
  const params: unknown[] = [options.leaseMs, options.staleAfterMs, options.limit];
  const param = (value: unknown): string => `$${params.push(value)}`;
  const sets = Object.entries(options.set ?? {}).map(([column, value]) => `${identifier(column)} = ${param(value)}`);
  const filters = Object.entries(options.where).map(
    ([column, values]) => `${identifier(column)} = ANY(${param([...values])}::text[])`,
  );
  const lease = identifier(leaseColumn);
  const touched = identifier(touchedColumn);
  const { rows } = await db.query<Row>(
    `UPDATE ${identifier(table)} SET ${[`${lease} = now() + make_interval(secs => $1::double precision / 1000)`, ...sets].join(', ')}
     WHERE id IN (
       SELECT id FROM ${identifier(table)}
       WHERE ${[...filters, `${touched} < now() - make_interval(secs => $2::double precision / 1000)`].join(' AND ')}
         AND (${lease} IS NULL OR ${lease} < now())
       ORDER BY ${touched} LIMIT $3
       FOR UPDATE SKIP LOCKED)
     RETURNING ${options.returning ?? '*'}`,
    params,
  );
  return rows;
}

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Not a plain SQL identifier: ${name}`);
  return name;
}
