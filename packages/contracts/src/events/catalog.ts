/**
 * Every event contract in one table, and the event types each consumer group
 * reads. A producer writes only types listed here (createOutbox in
 * @shop/events takes the topic and version from this table); test/contracts
 * validates what each producer writes against the schema of every consumer.
 */
import type { Static } from 'typebox';
import type { EventContract } from './define.ts';
import { ORDER_EVENTS } from './order.ts';
import { PAYMENT_EVENTS } from './payment.ts';
import { PRODUCT_EVENTS } from './product.ts';
import { USER_EVENTS } from './user.ts';

export const EVENT_CONTRACTS = {
  ...ORDER_EVENTS,
  ...PAYMENT_EVENTS,
  ...USER_EVENTS,
  ...PRODUCT_EVENTS,
} as const;

type Catalog = typeof EVENT_CONTRACTS;
export type EventType = keyof Catalog;
/** The payload an event of `T` carries. */
export type EventPayload<T extends EventType> = Static<Catalog[T]['payload']>;

/** The contract of `type`, undefined for a type no contract declares. */
export function contractOf(type: string): EventContract | undefined {
  return Object.hasOwn(EVENT_CONTRACTS, type) ? EVENT_CONTRACTS[type as EventType] : undefined;
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CONTRACTS, type);
}

/**
 * The event types each consumer group acts on (it passes over the rest of its
 * topics). The consumers validate these with validate.ts's parsePayload.
 */
export const CONSUMED_EVENTS = {
  notification: ['user.registered', 'user.session_revoked', 'order.confirmed', 'order.cancelled', 'order.refunded'],
  analytics: ['order.placed', 'order.confirmed', 'order.refunded'],
} as const satisfies Record<string, readonly EventType[]>;
