import { CONSUMED_EVENTS, parsePayload, type EventPayload } from '@shop/contracts';
import { NOTIFIABLE_TYPES, type NotifiableEvent } from '../domain/messages.ts';

// The payloads are validated on the consumer side too, against the producers'
// own contracts (@shop/contracts): a payload that breaks its contract throws,
// so the event is retried and then dead-lettered, never half-applied.

/** A session (refresh-token family) was revoked: its live streams end. Published by the user service on topic 'user'. */
export const SESSION_REVOKED = 'user.session_revoked';

const notifiable = new Set<string>(NOTIFIABLE_TYPES);
const handled = new Set<string>(CONSUMED_EVENTS.notification);

/** Whether this service notifies about events of `type` (a checkout's order.placed, stock_reserved and paid: no). */
export function isNotifiable(type: string): type is NotifiableEvent['type'] {
  return notifiable.has(type);
}

/** The event types the consumer takes: the notifiable ones and session revocations (the rest are passed over). */
export function isHandled(type: string): boolean {
  return handled.has(type);
}

/** The event as a NotifiableEvent, undefined for types this service ignores; throws on a malformed payload. */
export function parseNotifiable(type: string, payload: unknown): NotifiableEvent | undefined {
  if (!isNotifiable(type)) return undefined;
  return { type, payload: parsePayload(type, payload) } as NotifiableEvent;
}

/** A user.session_revoked payload; throws on a malformed one. */
export function parseSessionRevoked(payload: unknown): EventPayload<'user.session_revoked'> {
  return parsePayload(SESSION_REVOKED, payload);
}
