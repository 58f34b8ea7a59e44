import { Type } from '@shop/platform';
import { MAX_QUANTITY, MIN_QUANTITY } from '../domain/cart.ts';

export const ProductParams = Type.Object(
  { productId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
export const OrderParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const CartItemBody = Type.Object(
  { quantity: Type.Integer({ minimum: MIN_QUANTITY, maximum: MAX_QUANTITY }) },
  { additionalProperties: false },
);

export const PlaceOrderBody = Type.Object(
  { paymentMethod: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$' })) },
  { additionalProperties: false },
);

/** Printable ASCII without spaces, as Stripe's keys; UUIDs fit. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' }),
});

export const ListOrdersQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);
