import { ChargeBodySchema, RefundBodySchema } from '@shop/contracts';
import { Type } from '@shop/platform';

/** The caller's idempotency key: 8..200 characters of [A-Za-z0-9_:.-]. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 8, maxLength: 200, pattern: '^[A-Za-z0-9_:.-]+$' }),
});

/** The order service's charge request: the contract's schema (@shop/contracts). */
export const ChargeBody = ChargeBodySchema;

export const Charge = Type.Object({
  paymentId: Type.String(),
  orderId: Type.String(),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('succeeded'),
    Type.Literal('declined'),
    Type.Literal('failed'),
  ]),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  declineCode: Type.Optional(Type.String()),
});

export const ChargeDetail = Type.Object({
  ...Charge.properties,
  userId: Type.String(),
  refundedMinor: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const PaymentParams = Type.Object({ paymentId: Type.String({ format: 'uuid' }) });

export const RefundBody = RefundBodySchema;

export const Refund = Type.Object({
  refundId: Type.String(),
  paymentId: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  amountMinor: Type.Integer(),
});

export const LedgerQuery = Type.Object({ orderId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
