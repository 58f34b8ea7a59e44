import type { Database } from '@shop/data';
import type { MinuteCounts, RevenueRow } from '../domain/summary.ts';
import type { FigureReader, ProductFigures, ProductRanking } from '../domain/ports.ts';
import type { TimeWindow } from '../domain/window.ts';

/** Reads the figures the consumer keeps. Sums of bigint columns arrive as text and are read as numbers (minor units stay far below 2^53). */
export class SqlFigureReader implements FigureReader {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async minuteCounts(window: TimeWindow): Promise<MinuteCounts[]> {
    const { rows } = await this.#db.query<{ minute: Date; placed: number; confirmed: number }>(
      'SELECT minute, placed, confirmed FROM orders_per_minute WHERE minute >= $1 AND minute < $2 ORDER BY minute',
      [window.from, window.to],
    );
    return rows;
  }

  async minuteRevenue(window: TimeWindow): Promise<Array<RevenueRow & { minute: Date }>> {
    const { rows } = await this.#db.query<{
      minute: Date;
      currency: string;
      confirmed_minor: string;
      refunded_minor: string;
    }>(
      'SELECT minute, currency, confirmed_minor, refunded_minor FROM revenue_per_minute WHERE minute >= $1 AND minute < $2 ORDER BY minute, currency',
      [window.from, window.to],
    );
    return rows.map((r) => ({
      minute: r.minute,
      currency: r.currency,
      confirmedMinor: Number(r.confirmed_minor),
      refundedMinor: Number(r.refunded_minor),
    }));
  }

  async revenueAllTime(): Promise<RevenueRow[]> {
    const { rows } = await this.#db.query<{ currency: string; confirmed_minor: string; refunded_minor: string }>(
      'SELECT currency, sum(confirmed_minor) AS confirmed_minor, sum(refunded_minor) AS refunded_minor FROM revenue_per_minute GROUP BY currency ORDER BY currency',
    );
    return rows.map((r) => ({
      currency: r.currency,
      confirmedMinor: Number(r.confirmed_minor),
      refundedMinor: Number(r.refunded_minor),
    }));
  }

  /** The best sellers, by units or by revenue (comparable within one currency: pass it), ties broken by product id. Products with nothing left sold are left out. */
  async topProducts(options: {
    limit: number;
    by: ProductRanking;
    currency?: string | undefined;
  }): Promise<ProductFigures[]> {
    const order = options.by === 'units' ? 'units DESC, revenue_minor DESC' : 'revenue_minor DESC, units DESC';
    const { rows } = await this.#db.query<{
      product_id: string;
      name: string | null;
      currency: string;
      units: string;
      revenue_minor: string;
    }>(
      `SELECT product_id, name, currency, units, revenue_minor FROM product_sales
       WHERE ($1::text IS NULL OR currency = $1) AND units > 0
       ORDER BY ${order}, product_id, currency LIMIT $2`,
      [options.currency ?? null, options.limit],
    );
    return rows.map((r) => ({
      productId: r.product_id,
      name: r.name,
      currency: r.currency,
      units: Number(r.units),
      revenueMinor: Number(r.revenue_minor),
    }));
  }
}
