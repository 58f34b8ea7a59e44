/**
 * The refunds table (RefundRepository): every method runs on the Queryable
 * the repository was made with, the pool or one transaction's client.
 */
import type { Queryable } from '@shop/data';
import type { RefundRepository } from '../domain/ports.ts';
import { attemptColumns, attemptFields, LeasedRows, type AttemptRow } from './leasedRows.ts';
import type { NewRefund, RefundRecord, RefundStatus } from '../domain/refund.ts';

interface Row extends AttemptRow {
  payment_id: string;
  status: RefundStatus;
}

const COLUMNS = `id, payment_id, idempotency_key, request_fingerprint, amount_minor, status, provider_ref, correlation_id,
  coalesce(locked_until > now(), false) AS lease_active, created_at`;

function toRecord(row: Row): RefundRecord {
  return { ...attemptFields(row), paymentId: row.payment_id, status: row.status };
}

export class SqlRefunds extends LeasedRows<Row, RefundRecord> implements RefundRepository {
  constructor(db: Queryable) {
    super(db, { name: 'refunds', columns: COLUMNS, toRecord });
  }

  async insertPending(refund: NewRefund, leaseMs: number): Promise<RefundRecord | null> {
    return this.insertLeased({ ...attemptColumns(refund), payment_id: refund.paymentId }, leaseMs);
  }

  async paymentIdOf(refundId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ payment_id: string }>('SELECT payment_id FROM refunds WHERE id = $1', [
      refundId,
    ]);
    return rows[0]?.payment_id ?? null;
  }

  async settle(id: string, change: { status: RefundStatus; providerRef: string | null }): Promise<RefundRecord> {
    const { rows } = await this.db.query<Row>(
      `UPDATE refunds SET status = $2, provider_ref = coalesce($3, provider_ref), locked_until = NULL, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.status, change.providerRef],
    );
    return toRecord(rows[0]!);
  }
}
