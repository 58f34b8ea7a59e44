import { AppError } from '@shop/platform';
import type { InsufficientLine } from '@shop/contracts';
import type { ProductStore, ProductUnit, StockedProduct } from '../domain/ports.ts';
import { inLockOrder, sameRequest, type RequestedLine, type Reservation } from '../domain/reservation.ts';

export interface ReserveRequest {
  reservationId: string;
  /** Product ids lower-case and unique (the HTTP layer checks). */
  items: RequestedLine[];
  ttlSeconds: number;
}

export type Shortfall = InsufficientLine;

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
  store: ProductStore,
  request: ReserveRequest,
): Promise<{ created: boolean; reservation: Reservation }> {
  return store.transaction(async (unit) => {
    if (!(await unit.reservations.insertHeld(request.reservationId, request.ttlSeconds)))
      return { created: false, reservation: await repeated(unit, request) };
    const lines = inLockOrder(request.items);
    const stock = await unit.inventory.lockProducts(lines.map((l) => l.productId));
    const shortfalls = lines.flatMap((line): Shortfall[] => {
      const row = stock.get(line.productId);
      const available = row ? row.onHand - row.reserved : 0;
      return available >= line.quantity
        ? []
        : [{ productId: line.productId, requested: line.quantity, available: Math.max(0, available) }];
    });
    if (shortfalls.length > 0) throw insufficient(shortfalls, stock);
    const reserved = await unit.inventory.reserve(
      lines.map((l) => ({ sku: stock.get(l.productId)!.sku, quantity: l.quantity })),
    );
    if (reserved !== lines.length) throw new Error('Inventory changed under its lock');
    await unit.reservations.addLines(request.reservationId, lines);
    const reservation = await unit.reservations.load(request.reservationId);
    return { created: true, reservation: reservation! };
  });
}

/** The reservation a repeated request made before, if it asked for the same lines. */
async function repeated(unit: ProductUnit, request: ReserveRequest): Promise<Reservation> {
  const existing = await unit.reservations.load(request.reservationId);
  if (!existing) throw new Error(`Reservation ${request.reservationId} conflicted but cannot be read`);
  if (!sameRequest(existing.items, request.items)) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', {
      detail: `Reservation ${request.reservationId} already exists with different items`,
    });
  }
  return existing;
}

function insufficient(shortfalls: Shortfall[], stock: Map<string, StockedProduct>): AppError {
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
