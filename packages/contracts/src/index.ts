/**
 * @shop/contracts: what the services say to each other, declared once. Event
 * topics, types, versions and payload schemas (producers type what they write
 * with them, consumers validate with them, test/contracts checks the two
 * agree), and the internal APIs' request and response types (reservations,
 * charges and refunds, the signing key set). Pure: TypeBox schemas and types.
 */
export { Currency, Email, Minor, OrderId, ProductId, Reason, Uuid } from './common.ts';
export { TOPICS, defineEvent, type EventContract, type PayloadOf, type Topic } from './events/define.ts';
export {
  ORDER_EVENTS,
  OrderCancelled,
  OrderCancelling,
  OrderConfirmed,
  OrderFailed,
  OrderPaid,
  OrderPaymentPending,
  OrderPlaced,
  OrderRefunded,
  OrderStockReserved,
  PricedItem,
} from './events/order.ts';
export { PAYMENT_EVENTS, PaymentDeclined, PaymentFailed, PaymentRefunded, PaymentSucceeded } from './events/payment.ts';
export { USER_EVENTS, UserRegistered, UserSessionRevoked } from './events/user.ts';
export {
  PRODUCT_EVENTS,
  InventoryCommitted,
  InventoryReleased,
  ProductDeleted,
  ProductSchema,
  ProductUpdated,
} from './events/product.ts';
export {
  CONSUMED_EVENTS,
  EVENT_CONTRACTS,
  contractOf,
  isEventType,
  type EventPayload,
  type EventType,
} from './events/catalog.ts';
export { InvalidPayloadError, parsePayload, payloadProblems, payloadValidator } from './events/validate.ts';
export {
  RESERVATIONS_PATH,
  ReservationLineSchema,
  type InsufficientLine,
  type RequestedLine,
  type ReservationLine,
  type ReserveOutcome,
  type ReserveRequest,
} from './api/reservations.ts';
export {
  ChargeBodySchema,
  RefundBodySchema,
  type ChargeBody,
  type ChargeRequest,
  type ChargeStatus,
  type RefundRequest,
  type RefundStatus,
} from './api/payments.ts';
export { JWKS_PATH, JwksSchema, type Jwks } from './api/jwks.ts';
