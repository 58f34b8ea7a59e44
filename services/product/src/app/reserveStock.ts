import type { Database, Queryable } from '@shop/data';
import { AppError } from '@shop/platform';
import { loadReservation } from '../adapters/reservationRows.ts';
import { inLockOrder, sameRequest, type RequestedLine, type Reservation } from '../domain/reservation.ts';

export interface ReserveRequest {
  reservationId: string;
  /** Product ids lower-case and unique (the HTTP layer checks). */
  items: RequestedLine[];
  ttlSeconds: number;
}

export interface Shortfall {
  productId: string;
  requested: number;
  available: number;
}

/**
 * Holds stock for every line or for none. Idempotent on the reservation id:
 * a repeat returns the reservation as it is now (created: false) without
 * reserving again; the same id with other lines is refused.
 *
 * Oversell is impossible under any concurrency: inventory rows are locked in
 * product-id order (so concurrent reservations cannot deadlock), availability
 * is checked under the lock, the UPDATE repeats the guard, and the table's
 * CHECK (reserved <= on_hand) is the last line of defence.
 */
export async function reserveStock(
  db: Database,
  request: ReserveRequest,
): Promise<{ created: boolean; reservation: Reservation }> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO reservations (id, status, expires_at) VALUES ($1, 'held', now() + make_interval(secs => $2))
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [request.reservationId, request.ttlSeconds],
    );
    if (inserted.rowCount === 0) {
      const existing = await loadReservation(tx, request.reservationId);
      if (!existing) throw new Error(`Reservation ${request.reservationId} conflicted but cannot be read`);
      if (!sameRequest(existing.items, request.items)) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', {
          detail: `Reservation ${request.reservationId} already exists with different items`,
        });
      }
      return { created: false, reservation: existing };
    }
    const lines = inLockOrder(request.items);
    const stock = await lockStock(
      tx,
      lines.map((l) => l.productId),
    );
    const shortfalls = lines.flatMap((line): Shortfall[] => {
      const row = stock.get(line.productId);
      const available = row ? row.on_hand - row.reserved : 0;
      return available >= line.quantity
        ? []
        : [{ productId: line.productId, requested: line.quantity, available: Math.max(0, available) }];
    });
    if (shortfalls.length > 0) throw insufficient(shortfalls, stock);

    const skus = lines.map((l) => stock.get(l.productId)!.sku);
    const quantities = lines.map((l) => l.quantity);
    const updated = await tx.query(
      `UPDATE inventory i SET reserved = i.reserved + r.q
       FROM unnest($1::text[], $2::int[]) AS r(sku, q)
       WHERE i.sku = r.sku AND i.on_hand - i.reserved >= r.q`,
      [skus, quantities],
    );
    if (updated.rowCount !== lines.length) throw new Error('Inventory changed under its lock');
    await tx.query(
      `INSERT INTO reservation_items (reservation_id, product_id, sku, name, quantity, unit_price_minor, currency)
       SELECT $1, r.product_id, p.sku, p.name, r.q, p.price_minor, p.currency
       FROM unnest($2::uuid[], $3::int[]) AS r(product_id, q) JOIN products p ON p.id = r.product_id`,
      [request.reservationId, lines.map((l) => l.productId), quantities],
    );
    const reservation = await loadReservation(tx, request.reservationId);
    return { created: true, reservation: reservation! };
  });
}

type StockRow = { id: string; sku: string; name: string; on_hand: number; reserved: number };

/** Locks the inventory rows of these products in product-id order; unknown products are simply absent. */
async function lockStock(tx: Queryable, productIds: string[]): Promise<Map<string, StockRow>> {
  const { rows } = await tx.query<StockRow>(
    `SELECT p.id, p.sku, p.name, i.on_hand, i.reserved
     FROM products p JOIN inventory i ON i.sku = p.sku
     WHERE p.id = ANY($1::uuid[]) ORDER BY p.id FOR UPDATE OF i`,
    [productIds],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

function insufficient(shortfalls: Shortfall[], stock: Map<string, StockRow>): AppError {
  const describe = (s: Shortfall): string => {
    const row = stock.get(s.productId);
    return row
      ? `${row.name} (${s.productId}): requested ${s.requested}, available ${s.available}`
      : `product ${s.productId} does not exist`;
  };
  return new AppError('UNPROCESSABLE', {
    detail: `Not enough stock: ${shortfalls.map(describe).join('; ')}`,
    extensions: { insufficient: shortfalls },
  });
}
