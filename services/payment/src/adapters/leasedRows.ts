/**
 * What the payments and refunds tables share: rows keyed by the caller's
 * idempotency key, locked while a request works on them, and leased
 * (locked_until) to the request or reconciler pass that owns a pending one.
 */
import { claimStale, type Queryable, type QueryResultRow } from '@shop/data';
import type { StaleClaim } from '../domain/ports.ts';

/** The columns every leased attempt (a payment or a refund) has. */
export interface AttemptRow {
  id: string;
  idempotency_key: string;
  request_fingerprint: string;
  amount_minor: string;
  provider_ref: string | null;
  correlation_id: string;
  lease_active: boolean;
  created_at: Date;
}

/** An attempt row's shared fields as the domain names them (bigint amounts as numbers). */
export function attemptFields(row: AttemptRow) {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    fingerprint: row.request_fingerprint,
    amountMinor: Number(row.amount_minor),
    providerRef: row.provider_ref,
    correlationId: row.correlation_id,
    leaseActive: row.lease_active,
    createdAt: row.created_at,
  };
}

/** The shared columns of a new attempt, from its domain fields (the write side of attemptFields). */
export function attemptColumns(attempt: {
  id: string;
  idempotencyKey: string;
  fingerprint: string;
  amountMinor: number;
  correlationId: string;
}): { readonly [column: string]: unknown } {
  return {
    id: attempt.id,
    idempotency_key: attempt.idempotencyKey,
    request_fingerprint: attempt.fingerprint,
    amount_minor: attempt.amountMinor,
    correlation_id: attempt.correlationId,
  };
}

/** SQL for "leased until `leaseMs` (the `$n` parameter) from now". */
function leaseUntil(parameter: number): string {
  return `now() + make_interval(secs => $${parameter}::double precision / 1000)`;
}

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

  /**
   * Inserts a pending row holding a lease of `leaseMs`, `values` by column (our own column names,
   * never input); null when its idempotency key is taken already.
   */
  protected insertLeased(values: { readonly [column: string]: unknown }, leaseMs: number): Promise<Record | null> {
    const { name, columns } = this.#table;
    const names = Object.keys(values);
    const placeholders = names.map((_, i) => `$${i + 1}`).join(', ');
    return this.one(
      `INSERT INTO ${name} (${names.join(', ')}, status, locked_until)
       VALUES (${placeholders}, 'pending', ${leaseUntil(names.length + 1)})
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${columns}`,
      [...Object.values(values), leaseMs],
    );
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
    await this.db.query(`UPDATE ${this.#table.name} SET locked_until = ${leaseUntil(2)} WHERE id = $1`, [id, leaseMs]);
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
