import { Type } from '@shop/platform';

// Query strings arrive as text and are coerced to these types; an unknown
// parameter is refused (400 naming it) rather than silently ignored.

export const SummaryQuery = Type.Object(
  {
    /** Window start, inclusive (default: one hour before `to`). */
    from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    /** Window end, exclusive (default: now). */
    to: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  },
  { additionalProperties: false },
);

export const TopProductsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    by: Type.Union([Type.Literal('units'), Type.Literal('revenue')], { default: 'units' }),
    /** Only sales in this currency (revenue is comparable only within one). */
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  },
  { additionalProperties: false },
);

const CurrencyRevenue = Type.Object({
  currency: Type.String(),
  confirmedMinor: Type.Integer(),
  refundedMinor: Type.Integer(),
  netMinor: Type.Integer(),
});

export const SummaryResponse = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  totals: Type.Object({
    ordersPlaced: Type.Integer(),
    ordersConfirmed: Type.Integer(),
    placedPerMinute: Type.Number(),
    confirmedPerMinute: Type.Number(),
    revenue: Type.Array(CurrencyRevenue),
  }),
  perMinute: Type.Array(
    Type.Object({
      minute: Type.String({ format: 'date-time' }),
      ordersPlaced: Type.Integer(),
      ordersConfirmed: Type.Integer(),
      revenue: Type.Array(CurrencyRevenue),
    }),
  ),
  allTime: Type.Object({ revenue: Type.Array(CurrencyRevenue) }),
});

export const TopProductsResponse = Type.Object({
  by: Type.String(),
  items: Type.Array(
    Type.Object({
      productId: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      currency: Type.String(),
      units: Type.Integer(),
      revenueMinor: Type.Integer(),
    }),
  ),
});
