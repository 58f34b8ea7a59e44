/**
 * The payment service's internal API as the order service calls it: a charge
 * (POST /payments/charges, with an Idempotency-Key) and a refund (POST
 * /payments/:id/refunds). The request bodies' schemas are the ones payment
 * validates; the TypeScript types are what callers build.
 */
import { Type, type Static } from 'typebox';
import { Currency } from '../common.ts';

export const ChargeBodySchema = Type.Object(
  {
    orderId: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    amountMinor: Type.Integer({ minimum: 1, maximum: 99_999_999 }),
    currency: Currency,
    paymentMethod: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_]+$' }),
  },
  { additionalProperties: false },
);
export type ChargeBody = Static<typeof ChargeBodySchema>;

/** A charge as the caller asks for it: the body plus the idempotency key sent as a header. */
export interface ChargeRequest extends ChargeBody {
  idempotencyKey: string;
}

export type ChargeStatus = 'succeeded' | 'declined' | 'failed' | 'pending';

export const RefundBodySchema = Type.Object(
  { amountMinor: Type.Optional(Type.Integer({ minimum: 1, maximum: 99_999_999 })) },
  { additionalProperties: false },
);

export interface RefundRequest {
  idempotencyKey: string;
  paymentId: string;
  amountMinor: number;
}

export type RefundStatus = 'succeeded' | 'pending' | 'failed';
