/**
 * The refunds table (RefundRepository): every method runs on the Queryable
 * the repository was made with, the pool or one transaction's client.
 */
import type { Queryable } from '@shop/data';
import type { RefundRepository } from '../domain/ports.ts';
import { LeasedRows } from './leasedRows.ts';
import type { NewRefund, RefundRecord, RefundStatus } from '../domain/refund.ts';

interface Row {
  id: string;
  payment_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  amount_minor: string;
  status: RefundStatus;
  provider_ref: string | null;
  correlation_id: string;
  lease_active: boolean;
  created_at: Date;
}

const COLUMNS = `id, payment_id, idempotency_key, request_fingerprint, amount_minor, status, provider_ref, correlation_id,
  coalesce(locked_until > now(), false) AS lease_active, created_at`;

function toRecord(row: Row): RefundRecord {
  return {
    id: row.id,
    paymentId: row.payment_id,
    idempotencyKey: row.idempotency_key,
    fingerprint: row.request_fingerprint,
    amountMinor: Number(row.amount_minor),
    status: row.status,
    providerRef: row.provider_ref,
    correlationId: row.correlation_id,
    leaseActive: row.lease_active,
    createdAt: row.created_at,
  };
}

export class SqlRefunds extends LeasedRows<Row, RefundRecord> implements RefundRepository {
  constructor(db: Queryable) {
    super(db, { name: 'refunds', columns: COLUMNS, toRecord });
  }

  async insertPending(refund: NewRefund, leaseMs: number): Promise<RefundRecord | null> {
    return this.one(
      `INSERT INTO refunds (id, payment_id, idempotency_key, request_fingerprint, amount_minor, status, correlation_id, locked_until)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, now() + make_interval(secs => $7::double precision / 1000))
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        refund.id,
        refund.paymentId,
        refund.idempotencyKey,
        refund.fingerprint,
        refund.amountMinor,
        refund.correlationId,
        leaseMs,
      ],
    );
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
