import type { Queryable } from '@shop/data';
import type { OrderHistory } from '../domain/orderHistory.ts';
import type { OrderStatus } from '../domain/order.ts';

/**
 * The live order history, in the shape the events rebuild (domain/orderHistory.ts),
 * read from this service's own tables: orders, order_items and order_events.
 * Every order when `orderIds` is omitted (for checks and tests, not requests).
 */
export async function readOrderHistories(
  db: Queryable,
  orderIds?: readonly string[],
): Promise<Map<string, OrderHistory>> {
  const ids = orderIds ? [...orderIds] : null;
  const [orders, items, events] = await Promise.all([
    db.query<{
      id: string;
      user_id: string;
      status: OrderStatus;
      total_minor: string | null;
      currency: string | null;
      payment_id: string | null;
      refund_id: string | null;
    }>(
      'SELECT id, user_id, status, total_minor, currency, payment_id, refund_id FROM orders WHERE $1::uuid[] IS NULL OR id = ANY($1::uuid[])',
      [ids],
    ),
    db.query<{
      order_id: string;
      product_id: string;
      quantity: number;
      name: string | null;
      unit_price_minor: string | null;
    }>(
      'SELECT order_id, product_id, quantity, name, unit_price_minor FROM order_items WHERE $1::uuid[] IS NULL OR order_id = ANY($1::uuid[])',
      [ids],
    ),
    db.query<{ order_id: string; to_status: OrderStatus; reason: string | null }>(
      'SELECT order_id, to_status, reason FROM order_events WHERE $1::uuid[] IS NULL OR order_id = ANY($1::uuid[]) ORDER BY id',
      [ids],
    ),
  ]);
  const histories = new Map<string, OrderHistory>();
  for (const o of orders.rows) {
    histories.set(o.id, {
      orderId: o.id,
      userId: o.user_id,
      statuses: [],
      status: o.status,
      totalMinor: o.total_minor === null ? null : Number(o.total_minor),
      currency: o.currency?.trim() ?? null,
      paymentId: o.payment_id,
      refundId: o.refund_id,
      items: [],
    });
  }
  for (const i of items.rows)
    histories.get(i.order_id)?.items.push({
      productId: i.product_id,
      quantity: i.quantity,
      name: i.name,
      unitPriceMinor: i.unit_price_minor === null ? null : Number(i.unit_price_minor),
    });
  for (const e of events.rows) histories.get(e.order_id)?.statuses.push({ status: e.to_status, reason: e.reason });
  for (const h of histories.values())
    h.items.sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
  return histories;
}
