import type { Queryable } from '@shop/data';
import type { ConfirmedOrder, SaleLine } from '../domain/facts.ts';
import type { FigureWriter } from '../domain/ports.ts';

interface ConfirmedOrderRow {
  currency: string;
  total_minor: string;
  refunded_minor: string;
  lines_refunded: boolean;
  lines: SaleLine[];
}

/** The figures' SQL, on the handler's transaction (see migrations/001_figures.sql). */
export class SqlFigureWriter implements FigureWriter {
  readonly #tx: Queryable;

  constructor(tx: Queryable) {
    this.#tx = tx;
  }

  async addOrders(minute: Date, counts: { placed: number; confirmed: number }): Promise<void> {
    await this.#tx.query(
      `INSERT INTO orders_per_minute (minute, placed, confirmed) VALUES ($1, $2, $3)
       ON CONFLICT (minute) DO UPDATE SET placed = orders_per_minute.placed + EXCLUDED.placed, confirmed = orders_per_minute.confirmed + EXCLUDED.confirmed`,
      [minute, counts.placed, counts.confirmed],
    );
  }

  async addRevenue(
    minute: Date,
    currency: string,
    amounts: { confirmedMinor: number; refundedMinor: number },
  ): Promise<void> {
    await this.#tx.query(
      `INSERT INTO revenue_per_minute (minute, currency, confirmed_minor, refunded_minor) VALUES ($1, $2, $3, $4)
       ON CONFLICT (minute, currency) DO UPDATE SET confirmed_minor = revenue_per_minute.confirmed_minor + EXCLUDED.confirmed_minor,
         refunded_minor = revenue_per_minute.refunded_minor + EXCLUDED.refunded_minor`,
      [minute, currency, amounts.confirmedMinor, amounts.refundedMinor],
    );
  }

  async addSales(currency: string, lines: readonly SaleLine[], sign: 1 | -1): Promise<void> {
    // One statement for all lines; a sale's name replaces the stored one, a refund leaves it.
    await this.#tx.query(
      `INSERT INTO product_sales (product_id, currency, name, units, revenue_minor)
       SELECT l."productId", $1, l.name, $3::int * l.quantity, $3::int * l."revenueMinor"
       FROM jsonb_to_recordset($2::jsonb) AS l("productId" text, name text, quantity bigint, "revenueMinor" bigint)
       ON CONFLICT (product_id, currency) DO UPDATE SET
         name = CASE WHEN $3::int > 0 THEN coalesce(EXCLUDED.name, product_sales.name) ELSE product_sales.name END,
         units = product_sales.units + EXCLUDED.units, revenue_minor = product_sales.revenue_minor + EXCLUDED.revenue_minor`,
      [currency, JSON.stringify(lines), sign],
    );
  }

  async rememberConfirmed(
    orderId: string,
    minute: Date,
    order: { currency: string; totalMinor: number; lines: readonly SaleLine[] },
  ): Promise<boolean> {
    const { rowCount } = await this.#tx.query(
      `INSERT INTO confirmed_orders (order_id, currency, total_minor, lines, confirmed_minute) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id) DO NOTHING`,
      [orderId, order.currency, order.totalMinor, JSON.stringify(order.lines), minute],
    );
    return rowCount === 1;
  }

  async confirmedOrder(orderId: string): Promise<(ConfirmedOrder & { lines: SaleLine[] }) | undefined> {
    const { rows } = await this.#tx.query<ConfirmedOrderRow>(
      'SELECT currency, total_minor, refunded_minor, lines_refunded, lines FROM confirmed_orders WHERE order_id = $1 FOR UPDATE',
      [orderId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      currency: row.currency,
      totalMinor: Number(row.total_minor),
      refundedMinor: Number(row.refunded_minor),
      linesRefunded: row.lines_refunded,
      lines: row.lines,
    };
  }

  async markRefunded(orderId: string, refundedMinor: number, linesRefunded: boolean): Promise<void> {
    await this.#tx.query('UPDATE confirmed_orders SET refunded_minor = $2, lines_refunded = $3 WHERE order_id = $1', [
      orderId,
      refundedMinor,
      linesRefunded,
    ]);
  }
}
