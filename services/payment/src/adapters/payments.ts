/**
 * The payments table (PaymentRepository): every method runs on the Queryable
 * the repository was made with, the pool or one transaction's client.
 */
import type { Queryable } from '@shop/data';
import type { NewPayment, PaymentRecord, PaymentStatus } from '../domain/payment.ts';
import { attemptColumns, attemptFields, LeasedRows, type AttemptRow } from './leasedRows.ts';
import type { PaymentRepository } from '../domain/ports.ts';

interface Row extends AttemptRow {
  order_id: string;
  user_id: string;
  currency: string;
  payment_method: string;
  status: PaymentStatus;
  decline_code: string | null;
  refunded_minor: string;
  updated_at: Date;
}

const COLUMNS = `id, order_id, user_id, idempotency_key, request_fingerprint, amount_minor, currency, payment_method, status, decline_code,
  provider_ref, refunded_minor, correlation_id, coalesce(locked_until > now(), false) AS lease_active, created_at, updated_at`;

function toRecord(row: Row): PaymentRecord {
  return {
    ...attemptFields(row),
    orderId: row.order_id,
    userId: row.user_id,
    currency: row.currency,
    paymentMethod: row.payment_method,
    status: row.status,
    declineCode: row.decline_code,
    refundedMinor: Number(row.refunded_minor),
    updatedAt: row.updated_at,
  };
}

export class SqlPayments extends LeasedRows<Row, PaymentRecord> implements PaymentRepository {
  constructor(db: Queryable) {
    super(db, { name: 'payments', columns: COLUMNS, toRecord });
  }

  async insertPending(payment: NewPayment, leaseMs: number): Promise<PaymentRecord | null> {
    const { orderId, userId, currency, paymentMethod } = payment;
    const own = { order_id: orderId, user_id: userId, currency, payment_method: paymentMethod };
    return this.insertLeased({ ...attemptColumns(payment), ...own }, leaseMs);
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
