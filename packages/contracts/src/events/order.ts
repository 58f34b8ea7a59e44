/**
 * The order service's events (topic `order`, keyed by order id): one per saga
 * transition. Every payload carries the order id, its owner and the owner's
 * e-mail (notification writes to it). Written by services/order's Order
 * aggregate; read by notification and analytics.
 */
import { Type } from 'typebox';
import { Currency, Email, Minor, OrderId, ProductId, Reason, Uuid } from '../common.ts';
import { defineEvent, TOPICS } from './define.ts';

const Owner = { orderId: OrderId, userId: Uuid, email: Email };

/** A line once the reservation priced it: every line of a reserved order has a name and a price. */
export const PricedItem = Type.Object({
  productId: ProductId,
  name: Type.String({ maxLength: 500 }),
  quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  unitPriceMinor: Minor,
});

const PricedItems = Type.Array(PricedItem, { minItems: 1, maxItems: 500 });

/** The order as the reservation priced it: its total and its lines. */
const Priced = { totalMinor: Minor, currency: Currency, items: PricedItems };

/** An id the payment service gave (a payment's or a refund's). */
const PaymentServiceId = Type.String({ maxLength: 100 });

/** Money that moved: an amount never goes without its currency. */
const Amount = { amountMinor: Minor, currency: Currency };

export const OrderPlaced = defineEvent(
  TOPICS.order,
  'order.placed',
  Type.Object({
    ...Owner,
    items: Type.Array(
      Type.Object({ productId: ProductId, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }),
      { minItems: 1, maxItems: 500 },
    ),
  }),
);

export const OrderStockReserved = defineEvent(
  TOPICS.order,
  'order.stock_reserved',
  Type.Object({ ...Owner, ...Priced }),
);

export const OrderPaymentPending = defineEvent(
  TOPICS.order,
  'order.payment_pending',
  /** null: the payment service gave no id yet (the charge's answer was lost). */
  Type.Object({ ...Owner, paymentId: Type.Union([PaymentServiceId, Type.Null()]) }),
);

export const OrderPaid = defineEvent(
  TOPICS.order,
  'order.paid',
  Type.Object({ ...Owner, paymentId: PaymentServiceId, ...Amount }),
);

export const OrderConfirmed = defineEvent(TOPICS.order, 'order.confirmed', Type.Object({ ...Owner, ...Priced }));

export const OrderCancelling = defineEvent(TOPICS.order, 'order.cancelling', Type.Object({ ...Owner, reason: Reason }));

export const OrderCancelled = defineEvent(TOPICS.order, 'order.cancelled', Type.Object({ ...Owner, reason: Reason }));

export const OrderRefunded = defineEvent(
  TOPICS.order,
  'order.refunded',
  Type.Object({ ...Owner, refundId: PaymentServiceId, ...Amount }),
);

export const OrderFailed = defineEvent(
  TOPICS.order,
  'order.failed',
  Type.Object({ ...Owner, reason: Reason, paymentCaptured: Type.Boolean() }),
);

/** Every order event, by type. */
export const ORDER_EVENTS = {
  'order.placed': OrderPlaced,
  'order.stock_reserved': OrderStockReserved,
  'order.payment_pending': OrderPaymentPending,
  'order.paid': OrderPaid,
  'order.confirmed': OrderConfirmed,
  'order.cancelling': OrderCancelling,
  'order.cancelled': OrderCancelled,
  'order.refunded': OrderRefunded,
  'order.failed': OrderFailed,
} as const;
