import { ORDER_STATUSES, type OrderEventType, type OrderStatus } from './order.ts';

/**
 * The order history as the order events tell it (event sourcing): folded from
 * the `order` topic alone, from offset 0, it equals what the order service's
 * own tables say (orders, order_items, order_events); test/order/history.test.ts
 * shows it on both bus backends. Pure: no I/O.
 *
 * Each order event moves the order to the status its type names (order.placed:
 * pending), except order.refunded, which comes with the move to cancelled (or
 * failed) and records the refund. Reasons travel in the payloads of
 * cancelling, cancelled and failed. An event id seen before is skipped (a
 * duplicate past the log's de-duplication), and types this fold does not know
 * are ignored, so newer producers do not break it.
 */
export interface OrderHistory {
  orderId: string;
  userId: string | null;
  /** Every status the order went through, oldest first, with the reason given for it. */
  statuses: Array<{ status: OrderStatus; reason: string | null }>;
  /** The current status: the last of `statuses`. */
  status: OrderStatus;
  totalMinor: number | null;
  currency: string | null;
  paymentId: string | null;
  refundId: string | null;
  /** One per product, sorted by product id; prices once stock was reserved. */
  items: Array<{ productId: string; quantity: number; name: string | null; unitPriceMinor: number | null }>;
}

/** The part of an event envelope the fold reads. */
export interface HistoryEvent {
  id: string;
  type: string;
  key: string;
  payload: Record<string, unknown>;
}

const STATUS_OF: Record<Exclude<OrderEventType, 'order.refunded'>, OrderStatus> = {
  'order.placed': 'pending',
  'order.stock_reserved': 'stock_reserved',
  'order.payment_pending': 'payment_pending',
  'order.paid': 'paid',
  'order.confirmed': 'confirmed',
  'order.cancelling': 'cancelling',
  'order.cancelled': 'cancelled',
  'order.failed': 'failed',
};

export class OrderHistoryFold {
  readonly #orders = new Map<string, OrderHistory>();
  readonly #seen = new Set<string>();

  apply(event: HistoryEvent): void {
    if (this.#seen.has(event.id)) return;
    const status = event.type in STATUS_OF ? STATUS_OF[event.type as keyof typeof STATUS_OF] : undefined;
    if (!status && event.type !== 'order.refunded') return;
    this.#seen.add(event.id);
    const p = event.payload;
    const orderId = text(p.orderId) ?? event.key;
    const order = this.#orders.get(orderId) ?? blank(orderId);
    this.#orders.set(orderId, order);
    order.userId = text(p.userId) ?? order.userId;
    if (!status) {
      order.refundId = text(p.refundId) ?? order.refundId;
      return;
    }
    order.statuses.push({
      status,
      reason: status === 'cancelling' || status === 'cancelled' || status === 'failed' ? text(p.reason) : null,
    });
    order.status = status;
    if (status === 'payment_pending' || status === 'paid') order.paymentId = text(p.paymentId) ?? order.paymentId;
    if (status === 'pending' || status === 'stock_reserved') order.items = items(p.items, status === 'stock_reserved');
    if (status === 'stock_reserved') {
      order.totalMinor = num(p.totalMinor);
      order.currency = text(p.currency);
    }
  }

  /** The histories folded so far, by order id. */
  histories(): Map<string, OrderHistory> {
    return new Map([...this.#orders].map(([id, h]) => [id, structuredClone(h)]));
  }
}

function blank(orderId: string): OrderHistory {
  return {
    orderId,
    userId: null,
    statuses: [],
    status: ORDER_STATUSES[0],
    totalMinor: null,
    currency: null,
    paymentId: null,
    refundId: null,
    items: [],
  };
}

function items(value: unknown, priced: boolean): OrderHistory['items'] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (i): i is Record<string, unknown> =>
        typeof i === 'object' && i !== null && typeof (i as { productId?: unknown }).productId === 'string',
    )
    .map((i) => ({
      productId: i.productId as string,
      quantity: num(i.quantity) ?? 0,
      name: priced ? text(i.name) : null,
      unitPriceMinor: priced ? num(i.unitPriceMinor) : null,
    }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
