/** The ledger_entries table (Ledger): append-only, the table refuses UPDATE and DELETE (migration 001). */
import type { Queryable } from '@shop/data';
import type { LedgerEntry, LedgerKind, NewLedgerEntry } from '../domain/ledger.ts';
import type { Ledger } from '../domain/ports.ts';

interface Row {
  id: string;
  payment_id: string;
  refund_id: string | null;
  order_id: string;
  kind: LedgerKind;
  amount_minor: string;
  currency: string;
  detail: Record<string, unknown>;
  recorded_at: Date;
}

export class SqlLedger implements Ledger {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async append(entry: NewLedgerEntry): Promise<void> {
    await this.#db.query(
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

  async forOrder(orderId: string): Promise<LedgerEntry[]> {
    const { rows } = await this.#db.query<Row>(
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
}
