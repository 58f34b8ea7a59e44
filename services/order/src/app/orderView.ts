import type { StoredOrder } from '../domain/order.ts';
import type { OrderRepository } from '../domain/ports.ts';

/** The public shape of an order (API responses and stored idempotent replies). */
export interface OrderView {
  id: string;
  status: string;
  totalMinor: number | null;
  currency: string | null;
  reason: string | null;
  paymentId: string | null;
  items: Array<{
    productId: string;
    sku: string | null;
    name: string | null;
    quantity: number;
    unitPriceMinor: number | null;
    currency: string | null;
  }>;
  createdAt: string;
  updatedAt: string;
  history?: Array<{ from: string | null; to: string; reason: string | null; at: string }>;
}

export function toOrderView(stored: StoredOrder): OrderView {
  const s = stored.state;
  return {
    id: s.id,
    status: s.status,
    totalMinor: s.totalMinor,
    currency: s.currency,
    reason: s.reason,
    paymentId: s.paymentId,
    items: s.lines.map((l) => ({
      productId: l.productId,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPriceMinor: l.unitPriceMinor,
      currency: l.currency,
    })),
    createdAt: stored.createdAt.toISOString(),
    updatedAt: stored.updatedAt.toISOString(),
  };
}

export async function orderWithHistory(
  orders: Pick<OrderRepository, 'history'>,
  stored: StoredOrder,
): Promise<OrderView> {
  const history = await orders.history(stored.state.id);
  return {
    ...toOrderView(stored),
    history: history.map((h) => ({ from: h.from, to: h.to, reason: h.reason, at: h.at.toISOString() })),
  };
}
