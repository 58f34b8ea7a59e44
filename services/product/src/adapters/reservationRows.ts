import type { Queryable } from '@shop/data';
import type { ReleaseReason, Reservation, ReservationStatus } from '../domain/reservation.ts';

/** Loads a reservation with its lines; `forUpdate` locks the reservation row for the caller's transaction. */
export async function loadReservation(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Reservation | undefined> {
  const head = await db.query<{
    id: string;
    status: ReservationStatus;
    release_reason: ReleaseReason | null;
    expires_at: Date;
  }>(
    `SELECT id, status, release_reason, expires_at FROM reservations WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = head.rows[0];
  if (!row) return undefined;
  const lines = await db.query<{
    product_id: string;
    sku: string;
    name: string;
    quantity: number;
    unit_price_minor: number;
    currency: string;
  }>(
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
