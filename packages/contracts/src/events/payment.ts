/**
 * The payment service's events (topic `payment`, keyed by order id so one
 * order's payment events arrive in order). Written by services/payment when a
 * charge or refund settles; no service consumes them yet (the events CLI and
 * replays read them).
 */
import { Type } from 'typebox';
import { Currency, Minor, OrderId, Uuid } from '../common.ts';
import { defineEvent, TOPICS } from './define.ts';

/** A charge's settlement; `status` repeats the type's last word. */
const Settled = Type.Object({
  paymentId: Uuid,
  orderId: OrderId,
  userId: Uuid,
  amountMinor: Minor,
  currency: Currency,
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('declined'), Type.Literal('failed')]),
  /** The issuer's reason, on a decline. */
  declineCode: Type.Optional(Type.String({ maxLength: 100 })),
});

export const PaymentSucceeded = defineEvent(TOPICS.payment, 'payment.succeeded', Settled);
export const PaymentDeclined = defineEvent(TOPICS.payment, 'payment.declined', Settled);
export const PaymentFailed = defineEvent(TOPICS.payment, 'payment.failed', Settled);

export const PaymentRefunded = defineEvent(
  TOPICS.payment,
  'payment.refunded',
  Type.Object({
    refundId: Uuid,
    paymentId: Uuid,
    orderId: OrderId,
    userId: Uuid,
    /** This refund's amount. */
    amountMinor: Minor,
    currency: Currency,
    /** The charge's whole amount. */
    paymentAmountMinor: Minor,
  }),
);

export const PAYMENT_EVENTS = {
  'payment.succeeded': PaymentSucceeded,
  'payment.declined': PaymentDeclined,
  'payment.failed': PaymentFailed,
  'payment.refunded': PaymentRefunded,
} as const;
