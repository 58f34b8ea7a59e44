/**
 * What the payments and refunds tables share: rows keyed by the caller's
 * idempotency key, locked while a request works on them, and leased
 * (locked_until) to the request or reconciler pass that owns a pending one.
 */
import { claimStale, type Queryable, type QueryResultRow } from '@shop/data';
import type { StaleClaim } from '../domain/ports.ts';

/** A table's name, the columns its records are read from, and how a row becomes a record. */
export interface LeasedTable<Row extends QueryResultRow, Record> {
  name: 'payments' | 'refunds';
  columns: string;
  toRecord: (row: Row) => Record;
}

export abstract class LeasedRows<Row extends QueryResultRow, Record> {
  protected readonly db: Queryable;
  readonly #table: LeasedTable<Row, Record>;

  constructor(db: Queryable, table: LeasedTable<Row, Record>) {
    this.db = db;
    this.#table = table;
  }

  /** The record the statement returns, or null when it returns none. */
  protected async one(sql: string, params: unknown[]): Promise<Record | null> {
    const { rows } = await this.db.query<Row>(sql, params);
    return rows[0] ? this.#table.toRecord(rows[0]) : null;
  }

  async lockByKey(key: string): Promise<Record | null> {
    const { name, columns } = this.#table;
    return this.one(`SELECT ${columns} FROM ${name} WHERE idempotency_key = $1 FOR UPDATE`, [key]);
  }

  async lockById(id: string): Promise<Record | null> {
    const { name, columns } = this.#table;
    return this.one(`SELECT ${columns} FROM ${name} WHERE id = $1 FOR UPDATE`, [id]);
  }

  async takeLease(id: string, leaseMs: number): Promise<void> {
    await this.db.query(
      `UPDATE ${this.#table.name} SET locked_until = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1`,
      [id, leaseMs],
    );
  }

  /** Pending rows older than `afterMs` that nobody holds, leased to the caller (SKIP LOCKED: instances share the work). */
  async claimStale(claim: StaleClaim): Promise<Record[]> {
    const rows = await claimStale<Row>(this.db, {
      table: this.#table.name,
      where: { status: ['pending'] },
      touchedColumn: 'created_at',
      leaseColumn: 'locked_until',
      staleAfterMs: claim.afterMs,
      leaseMs: claim.leaseMs,
      limit: claim.limit,
      returning: this.#table.columns,
    });
    return rows.map(this.#table.toRecord);
  }
}
