import type { Envelope } from '@shop/events';
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { minuteOf, saleLines, type OrderFact } from '../domain/facts.ts';

// The order events' payloads this service reads (services/order/src/domain/order.ts
// writes them), validated here too: a payload that breaks the contract throws,
// so the event is retried and then dead-lettered, never half-counted. Fields
// this service does not read are allowed and ignored.
const OrderId = Type.String({ minLength: 1, maxLength: 100 });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const Minor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

const schemas = {
  'order.placed': Type.Object({ orderId: OrderId }),
  'order.confirmed': Type.Object({
    orderId: OrderId,
    totalMinor: Minor,
    currency: Currency,
    items: Type.Array(
      Type.Object({
        productId: Type.String({ minLength: 1, maxLength: 100 }),
        name: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
        quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
        unitPriceMinor: Minor,
      }),
      { minItems: 1, maxItems: 500 },
    ),
  }),
  'order.refunded': Type.Object({ orderId: OrderId, amountMinor: Minor, currency: Currency }),
} satisfies Record<string, TSchema>;

type CountedType = keyof typeof schemas;
const validators = new Map<string, ReturnType<typeof Compile<TSchema>>>(
  Object.entries(schemas).map(([type, schema]) => [type, Compile(schema)]),
);

export class InvalidPayloadError extends Error {
  override name = 'InvalidPayloadError';
}

/** The event as a fact, undefined for a type this service does not count; throws on a payload that breaks the contract. */
export function orderFactOf(event: Envelope): OrderFact | undefined {
  const validator = validators.get(event.type);
  if (!validator) return undefined;
  if (!validator.Check(event.payload)) {
    const problems = [...validator.Errors(event.payload)]
      .slice(0, 3)
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new InvalidPayloadError(`${event.type} payload is invalid: ${problems.join('; ')}`);
  }
  const minute = minuteOf(new Date(event.occurredAt));
  const type = event.type as CountedType;
  switch (type) {
    case 'order.placed': {
      const p = event.payload as Static<(typeof schemas)['order.placed']>;
      return { kind: 'placed', orderId: p.orderId, minute };
    }
    case 'order.confirmed': {
      const p = event.payload as Static<(typeof schemas)['order.confirmed']>;
      return {
        kind: 'confirmed',
        orderId: p.orderId,
        minute,
        currency: p.currency,
        totalMinor: p.totalMinor,
        lines: saleLines(p.items),
      };
    }
    case 'order.refunded': {
      const p = event.payload as Static<(typeof schemas)['order.refunded']>;
      return { kind: 'refunded', orderId: p.orderId, minute, currency: p.currency, amountMinor: p.amountMinor };
    }
  }
}
