import type { Queryable } from '@shop/data';
import type { PaymentStatus } from '../domain/payment.ts';

export interface PaymentRecord {
  id: string;
  orderId: string;
  userId: string;
  idempotencyKey: string;
  fingerprint: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  status: PaymentStatus;
  declineCode: string | null;
  providerRef: string | null;
  refundedMinor: number;
  correlationId: string;
  leaseActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

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

export interface NewPayment {
  id: string;
  orderId: string;
  userId: string;
  idempotencyKey: string;
  fingerprint: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
  correlationId: string;
}

/** SQL for the payments table; every function runs on the caller's connection or transaction. */
export const payments = {
  /** Inserts the pending payment holding a lease, or returns null when the key is taken. */
  async insertPending(db: Queryable, payment: NewPayment, leaseMs: number): Promise<PaymentRecord | null> {
    const { rows } = await db.query<Row>(
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
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async lockByKey(db: Queryable, key: string): Promise<PaymentRecord | null> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM payments WHERE idempotency_key = $1 FOR UPDATE`, [
      key,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async lockById(db: Queryable, id: string): Promise<PaymentRecord | null> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM payments WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async get(db: Queryable, id: string): Promise<PaymentRecord | null> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM payments WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async takeLease(db: Queryable, id: string, leaseMs: number): Promise<void> {
    await db.query(
      `UPDATE payments SET locked_until = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1`,
      [id, leaseMs],
    );
  },

  /** Records a settlement (or, still pending, just gives the lease back). */
  async settle(
    db: Queryable,
    id: string,
    change: { status: PaymentStatus; providerRef: string | null; declineCode: string | null },
  ): Promise<PaymentRecord> {
    const { rows } = await db.query<Row>(
      `UPDATE payments SET status = $2, provider_ref = coalesce($3, provider_ref), decline_code = coalesce($4, decline_code), locked_until = NULL, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.status, change.providerRef, change.declineCode],
    );
    return toRecord(rows[0]!);
  },

  async addRefunded(db: Queryable, id: string, deltaMinor: number): Promise<void> {
    await db.query('UPDATE payments SET refunded_minor = refunded_minor + $2, updated_at = now() WHERE id = $1', [
      id,
      deltaMinor,
    ]);
  },

  /**
   * Claims pending payments older than `afterMs` that nobody holds, under a
   * lease; SKIP LOCKED lets several instances reconcile without colliding.
   */
  async claimStale(
    db: Queryable,
    options: { afterMs: number; leaseMs: number; limit: number },
  ): Promise<PaymentRecord[]> {
    const { rows } = await db.query<Row>(
      `UPDATE payments SET locked_until = now() + make_interval(secs => $2::double precision / 1000)
       WHERE id IN (
         SELECT id FROM payments
         WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
           AND (locked_until IS NULL OR locked_until < now())
         ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [options.afterMs, options.leaseMs, options.limit],
    );
    return rows.map(toRecord);
  },
};
