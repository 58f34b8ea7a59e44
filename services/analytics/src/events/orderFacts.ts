import { CONSUMED_EVENTS, parsePayload } from '@shop/contracts';
import type { Envelope } from '@shop/events';
import { minuteOf, saleLines, type OrderFact } from '../domain/facts.ts';

// The order events' payloads are validated here against the producer's own
// contracts (@shop/contracts): a payload that breaks its contract throws, so
// the event is retried and then dead-lettered, never half-counted. Fields this
// service does not read are allowed and ignored.
type CountedType = (typeof CONSUMED_EVENTS.analytics)[number];
const counted = new Set<string>(CONSUMED_EVENTS.analytics);

/** The event as a fact, undefined for a type this service does not count; throws on a payload that breaks the contract. */
export function orderFactOf(event: Envelope): OrderFact | undefined {
  if (!counted.has(event.type)) return undefined;
  const type = event.type as CountedType;
  const minute = minuteOf(new Date(event.occurredAt));
  switch (type) {
    case 'order.placed': {
      const p = parsePayload(type, event.payload);
      return { kind: 'placed', orderId: p.orderId, minute };
    }
    case 'order.confirmed': {
      const p = parsePayload(type, event.payload);
      const { orderId, currency, totalMinor } = p;
      return { kind: 'confirmed', orderId, minute, currency, totalMinor, lines: saleLines(p.items) };
    }
    case 'order.refunded': {
      const p = parsePayload(type, event.payload);
      return { kind: 'refunded', orderId: p.orderId, minute, currency: p.currency, amountMinor: p.amountMinor };
    }
  }
}
