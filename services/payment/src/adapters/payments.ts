/**
 * The payments table (PaymentRepository): every method runs on the Queryable
 * the repository was made with, the pool or one transaction's client.
 */
import type { Queryable } from '@shop/data';
import type { NewPayment, PaymentRecord, PaymentStatus } from '../domain/payment.ts';
import { LeasedRows } from './leasedRows.ts';
import type { PaymentRepository } from '../domain/ports.ts';

interface Row {
  id: string;
  order_id: string;
  user_id: string;
  idempotency_key: string;
  request_fingerprint: string;
  amount_minor: string;
  currency: string;
  payment_method: string;
  status: PaymentStatus;
  decline_code: string | null;
  provider_ref: string | null;
  refunded_minor: string;
  correlation_id: string;
  lease_active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, order_id, user_id, idempotency_key, request_fingerprint, amount_minor, currency, payment_method, status, decline_code,
  provider_ref, refunded_minor, correlation_id, coalesce(locked_until > now(), false) AS lease_active, created_at, updated_at`;

function toRecord(row: Row): PaymentRecord {
  return {
    id: row.id,
    orderId: row.order_id,
    userId: row.user_id,
    idempotencyKey: row.idempotency_key,
    fingerprint: row.request_fingerprint,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    paymentMethod: row.payment_method,
    status: row.status,
    declineCode: row.decline_code,
    providerRef: row.provider_ref,
    refundedMinor: Number(row.refunded_minor),
    correlationId: row.correlation_id,
    leaseActive: row.lease_active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlPayments extends LeasedRows<Row, PaymentRecord> implements PaymentRepository {
  constructor(db: Queryable) {
    super(db, { name: 'payments', columns: COLUMNS, toRecord });
  }

  async insertPending(payment: NewPayment, leaseMs: number): Promise<PaymentRecord | null> {
    return this.one(
      `INSERT INTO payments (id, order_id, user_id, idempotency_key, request_fingerprint, amount_minor, currency, payment_method, status, correlation_id, locked_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, now() + make_interval(secs => $10::double precision / 1000))
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        payment.id,
        payment.orderId,
        payment.userId,
        payment.idempotencyKey,
        payment.fingerprint,
        payment.amountMinor,
        payment.currency,
        payment.paymentMethod,
        payment.correlationId,
        leaseMs,
      ],
    );
  }

  async get(id: string): Promise<PaymentRecord | null> {
    return this.one(`SELECT ${COLUMNS} FROM payments WHERE id = $1`, [id]);
  }

  async settle(
    id: string,
    change: { status: PaymentStatus; providerRef: string | null; declineCode: string | null },
  ): Promise<PaymentRecord> {
    const settled = await this.one(
      `UPDATE payments SET status = $2, provider_ref = coalesce($3, provider_ref), decline_code = coalesce($4, decline_code), locked_until = NULL, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.status, change.providerRef, change.declineCode],
    );
    return settled!;
  }

  async addRefunded(id: string, deltaMinor: number): Promise<void> {
    await this.db.query('UPDATE payments SET refunded_minor = refunded_minor + $2, updated_at = now() WHERE id = $1', [
      id,
      deltaMinor,
    ]);
  }
}
