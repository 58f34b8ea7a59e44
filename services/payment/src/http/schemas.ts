import { Type } from '@shop/platform';

/** The caller's idempotency key: 8..200 characters of [A-Za-z0-9_:.-]. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 8, maxLength: 200, pattern: '^[A-Za-z0-9_:.-]+$' }),
});

export const ChargeBody = Type.Object(
  {
    orderId: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    amountMinor: Type.Integer({ minimum: 1, maximum: 99_999_999 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    paymentMethod: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_]+$' }),
  },
  { additionalProperties: false },
);

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

export const RefundBody = Type.Object(
  { amountMinor: Type.Optional(Type.Integer({ minimum: 1, maximum: 99_999_999 })) },
  { additionalProperties: false },
);

export const Refund = Type.Object({
  refundId: Type.String(),
  paymentId: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  amountMinor: Type.Integer(),
});

export const LedgerQuery = Type.Object({ orderId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
