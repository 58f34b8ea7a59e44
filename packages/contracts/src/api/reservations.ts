/**
 * The product service's internal reservation API, as the order service calls
 * it (POST /inventory/reservations, .../:id/commit, .../:id/release): a
 * reservation holds stock for an order's lines at the prices it quotes.
 */
import { Type, type Static } from 'typebox';
import { Currency, Minor, ProductId } from '../common.ts';

export const RESERVATIONS_PATH = '/inventory/reservations';

/** A reserved line, priced by the product service at the time of the reservation. */
export const ReservationLineSchema = Type.Object({
  productId: ProductId,
  sku: Type.String({ maxLength: 100 }),
  name: Type.String({ maxLength: 500 }),
  quantity: Type.Integer({ minimum: 1 }),
  unitPriceMinor: Minor,
  currency: Currency,
});
export type ReservationLine = Static<typeof ReservationLineSchema>;

/** A line the order asks to reserve. */
export interface RequestedLine {
  productId: string;
  quantity: number;
}

export interface ReserveRequest {
  /** The caller's id for the reservation: reserving again with it is idempotent. */
  reservationId: string;
  items: RequestedLine[];
  ttlSeconds?: number;
}

/** A line that could not be reserved: fewer units free than requested. */
export interface InsufficientLine {
  productId: string;
  requested: number;
  available: number;
}

/** The answer to a reservation: held (200/201, priced lines) or insufficient (422). */
export type ReserveOutcome =
  { kind: 'held'; items: ReservationLine[] } | { kind: 'insufficient'; insufficient: InsufficientLine[] };
