import { appendToOutbox } from '@shop/events';
import type { Queryable } from '@shop/data';

export const PRODUCER = 'order-service';

/** The topic every order event is published on, keyed by order id. */
export const ORDER_TOPIC = 'order';

export interface OutboxEvent {
  topic: string;
  type: string;
  /** Partition key: events with one key are delivered in order (the order id). */
  key: string;
  aggregateId: string;
  correlationId: string;
  payload: Record<string, unknown>;
}

/**
 * Writes one event to the transactional outbox, on the caller's transaction,
 * so the event exists if and only if the state change it describes committed.
 * The envelope (UUIDv7, hybrid logical clock, trace context, per-key order)
 * is the events package's; its relay moves unpublished rows to the bus.
 */
export async function writeOutbox(client: Queryable, event: OutboxEvent): Promise<string> {
  return (await appendToOutbox(client, PRODUCER, event)).id;
}
