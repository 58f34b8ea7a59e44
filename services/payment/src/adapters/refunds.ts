import type { Queryable } from '@shop/data';
import type { RefundStatus } from '../domain/refund.ts';

export interface RefundRecord {
  id: string;
  paymentId: string;
  idempotencyKey: string;
  fingerprint: string;
  amountMinor: number;
  status: RefundStatus;
  providerRef: string | null;
  correlationId: string;
  leaseActive: boolean;
  createdAt: Date;
}

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

/** SQL for the refunds table; every function runs on the caller's connection or transaction. */
export const refunds = {
  async insertPending(
    db: Queryable,
    refund: {
      id: string;
      paymentId: string;
      idempotencyKey: string;
      fingerprint: string;
      amountMinor: number;
      correlationId: string;
    },
    leaseMs: number,
  ): Promise<RefundRecord | null> {
    const { rows } = await db.query<Row>(
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
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async lockByKey(db: Queryable, key: string): Promise<RefundRecord | null> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM refunds WHERE idempotency_key = $1 FOR UPDATE`, [key]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async lockById(db: Queryable, id: string): Promise<RefundRecord | null> {
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM refunds WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  },

  async takeLease(db: Queryable, id: string, leaseMs: number): Promise<void> {
    await db.query(
      `UPDATE refunds SET locked_until = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1`,
      [id, leaseMs],
    );
  },

  async settle(
    db: Queryable,
    id: string,
    change: { status: RefundStatus; providerRef: string | null },
  ): Promise<RefundRecord> {
    const { rows } = await db.query<Row>(
      `UPDATE refunds SET status = $2, provider_ref = coalesce($3, provider_ref), locked_until = NULL, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, change.status, change.providerRef],
    );
    return toRecord(rows[0]!);
  },

  async claimStale(
    db: Queryable,
    options: { afterMs: number; leaseMs: number; limit: number },
  ): Promise<RefundRecord[]> {
    const { rows } = await db.query<Row>(
      `UPDATE refunds SET locked_until = now() + make_interval(secs => $2::double precision / 1000)
       WHERE id IN (
         SELECT id FROM refunds
         WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
           AND (locked_until IS NULL OR locked_until < now())
         ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [options.afterMs, options.leaseMs, options.limit],
    );
    return rows.map(toRecord);
  },
};
