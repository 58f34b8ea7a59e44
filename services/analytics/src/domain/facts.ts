/**
 * What the analytics service learns from the order events, as plain facts in
 * the minute they happened (UTC minute start of the event's occurredAt). Pure:
 * no I/O, no framework.
 *
 * - placed: an order was placed (counted per minute).
 * - confirmed: an order was confirmed: counted per minute, its total is revenue
 *   in its currency, its lines are product sales.
 * - refunded: money went back. It reduces revenue only for an order whose
 *   revenue was counted (a confirmed one); today the saga refunds only orders
 *   that never got confirmed, so those refunds leave revenue alone.
 */
export interface SaleLine {
  productId: string;
  name: string | null;
  quantity: number;
  revenueMinor: number;
}

export type OrderFact =
  | { kind: 'placed'; orderId: string; minute: Date }
  | { kind: 'confirmed'; orderId: string; minute: Date; currency: string; totalMinor: number; lines: SaleLine[] }
  | { kind: 'refunded'; orderId: string; minute: Date; currency: string; amountMinor: number };

export class FactRuleError extends Error {
  override name = 'FactRuleError';
}

export function minuteOf(instant: Date): Date {
  const ms = instant.getTime();
  if (!Number.isFinite(ms)) throw new FactRuleError('The event time is not a valid instant');
  return new Date(ms - (((ms % 60_000) + 60_000) % 60_000));
}

/** An order's lines as sales, one per product (repeated products merged), revenue = quantity x unit price. */
export function saleLines(
  items: ReadonlyArray<{ productId: string; name: string | null; quantity: number; unitPriceMinor: number }>,
): SaleLine[] {
  const byProduct = new Map<string, SaleLine>();
  for (const item of items) {
    const revenue = item.quantity * item.unitPriceMinor;
    const line = byProduct.get(item.productId) ?? {
      productId: item.productId,
      name: item.name,
      quantity: 0,
      revenueMinor: 0,
    };
    line.quantity += item.quantity;
    line.revenueMinor += revenue;
    line.name = item.name ?? line.name;
    if (!Number.isSafeInteger(line.revenueMinor) || !Number.isSafeInteger(line.quantity))
      throw new FactRuleError(`The revenue of product ${item.productId} is out of range`);
    byProduct.set(item.productId, line);
  }
  return [...byProduct.values()];
}

/** What analytics remembers of a confirmed order to weigh a later refund. */
export interface ConfirmedOrder {
  currency: string;
  totalMinor: number;
  refundedMinor: number;
  linesRefunded: boolean;
}

export interface RefundEffect {
  /** Taken off revenue: never more than what is left of the order's counted revenue. */
  countedMinor: number;
  /** The order is now refunded in full: its lines leave the product figures (once). */
  removeLines: boolean;
}

export function refundEffect(order: ConfirmedOrder, refund: { currency: string; amountMinor: number }): RefundEffect {
  if (refund.currency !== order.currency)
    throw new FactRuleError(`A refund in ${refund.currency} of an order confirmed in ${order.currency}`);
  const countedMinor = Math.max(0, Math.min(refund.amountMinor, order.totalMinor - order.refundedMinor));
  const removeLines = !order.linesRefunded && order.refundedMinor + countedMinor >= order.totalMinor;
  return { countedMinor, removeLines };
}
