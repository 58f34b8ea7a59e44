import type { Queryable } from '@shop/data';
import type { ChargeLedgerKind } from '../domain/payment.ts';
import type { RefundLedgerKind } from '../domain/refund.ts';

export type LedgerKind = ChargeLedgerKind | RefundLedgerKind;

export interface LedgerEntry {
  id: number;
  paymentId: string;
  refundId: string | null;
  orderId: string;
  kind: LedgerKind;
  amountMinor: number;
  currency: string;
  detail: Record<string, unknown>;
  recordedAt: string;
}

/** Appends one line; the table refuses UPDATE and DELETE (migration 001). */
export async function appendLedger(
  db: Queryable,
  entry: {
    paymentId: string;
    refundId?: string;
    orderId: string;
    kind: LedgerKind;
    amountMinor: number;
    currency: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await db.query(
    'INSERT INTO ledger_entries (payment_id, refund_id, order_id, kind, amount_minor, currency, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [
      entry.paymentId,
      entry.refundId ?? null,
      entry.orderId,
      entry.kind,
      entry.amountMinor,
      entry.currency,
      JSON.stringify(entry.detail ?? {}),
    ],
  );
}

export async function ledgerForOrder(db: Queryable, orderId: string): Promise<LedgerEntry[]> {
  const { rows } = await db.query<{
    id: string;
    payment_id: string;
    refund_id: string | null;
    order_id: string;
    kind: LedgerKind;
    amount_minor: string;
    currency: string;
    detail: Record<string, unknown>;
    recorded_at: Date;
  }>(
    'SELECT id, payment_id, refund_id, order_id, kind, amount_minor, currency, detail, recorded_at FROM ledger_entries WHERE order_id = $1 ORDER BY id',
    [orderId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    paymentId: r.payment_id,
    refundId: r.refund_id,
    orderId: r.order_id,
    kind: r.kind,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    detail: r.detail,
    recordedAt: r.recorded_at.toISOString(),
  }));
}

const CHARGED: ReadonlySet<LedgerKind> = new Set(['provider_succeeded', 'reconciled_succeeded']);
const REFUNDED: ReadonlySet<LedgerKind> = new Set(['refund_succeeded', 'refund_reconciled_succeeded']);

/** Money that moved, from the ledger alone: what the invariant checker compares with the provider. */
export function ledgerTotals(entries: LedgerEntry[]): {
  chargedMinor: number;
  refundedMinor: number;
  netMinor: number;
} {
  const sum = (kinds: ReadonlySet<LedgerKind>): number =>
    entries.filter((e) => kinds.has(e.kind)).reduce((total, e) => total + e.amountMinor, 0);
  const chargedMinor = sum(CHARGED);
  const refundedMinor = sum(REFUNDED);
  return { chargedMinor, refundedMinor, netMinor: chargedMinor - refundedMinor };
}
