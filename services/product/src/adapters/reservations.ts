import type { Queryable } from '@shop/data';
import type { ReservationRepository } from '../domain/ports.ts';
import type {
  ReleaseReason,
  RequestedLine,
  Reservation,
  ReservationLine,
  ReservationStatus,
} from '../domain/reservation.ts';

interface HeadRow {
  id: string;
  status: ReservationStatus;
  release_reason: ReleaseReason | null;
  expires_at: Date;
}

type LineRow = Omit<ReservationLine, 'productId' | 'unitPriceMinor'> & { product_id: string; unit_price_minor: number };

/** The reservations and reservation_items tables, on the caller's transaction (or the primary). */
export class SqlReservations implements ReservationRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async insertHeld(id: string, ttlSeconds: number): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `INSERT INTO reservations (id, status, expires_at) VALUES ($1, 'held', now() + make_interval(secs => $2))
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, ttlSeconds],
    );
    return rowCount !== 0;
  }

  async addLines(id: string, lines: readonly RequestedLine[]): Promise<void> {
    await this.#db.query(
      `INSERT INTO reservation_items (reservation_id, product_id, sku, name, quantity, unit_price_minor, currency)
       SELECT $1, r.product_id, p.sku, p.name, r.q, p.price_minor, p.currency
       FROM unnest($2::uuid[], $3::int[]) AS r(product_id, q) JOIN products p ON p.id = r.product_id`,
      [id, lines.map((l) => l.productId), lines.map((l) => l.quantity)],
    );
  }

  async load(id: string, options: { forUpdate?: boolean } = {}): Promise<Reservation | undefined> {
    const head = await this.#db.query<HeadRow>(
      `SELECT id, status, release_reason, expires_at FROM reservations WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    const row = head.rows[0];
    if (!row) return undefined;
    const lines = await this.#db.query<LineRow>(
      `SELECT product_id, sku, name, quantity, unit_price_minor::float8 AS unit_price_minor, currency
       FROM reservation_items WHERE reservation_id = $1 ORDER BY product_id`,
      [id],
    );
    return {
      id: row.id,
      status: row.status,
      releaseReason: row.release_reason ?? undefined,
      expiresAt: row.expires_at,
      items: lines.rows.map((l) => ({
        productId: l.product_id,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unitPriceMinor: l.unit_price_minor,
        currency: l.currency,
      })),
    };
  }

  async settle(
    id: string,
    final: { status: 'committed' } | { status: 'released'; reason: ReleaseReason },
  ): Promise<void> {
    const reason = final.status === 'released' ? final.reason : null;
    await this.#db.query('UPDATE reservations SET status = $2, release_reason = $3, updated_at = now() WHERE id = $1', [
      id,
      final.status,
      reason,
    ]);
  }

  async claimExpired(): Promise<string | undefined> {
    const { rows } = await this.#db.query<{ id: string }>(
      `SELECT id FROM reservations WHERE status = 'held' AND expires_at <= now()
       ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    return rows[0]?.id;
  }

  async now(): Promise<Date> {
    const { rows } = await this.#db.query<{ now: Date }>('SELECT now() AS now');
    return rows[0]!.now;
  }
}
