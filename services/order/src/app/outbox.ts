import { randomUUID } from 'node:crypto';
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
 * The events package relays unpublished rows to the bus.
 */
export async function writeOutbox(client: Queryable, event: OutboxEvent): Promise<string> {
  const id = randomUUID();
  const envelope = {
    id,
    type: event.type,
    version: 1,
    key: event.key,
    aggregateId: event.aggregateId,
    producer: PRODUCER,
    occurredAt: new Date().toISOString(),
    correlationId: event.correlationId,
    payload: event.payload,
  };
  // created_at strictly increases per key, even within one transaction (where now() is constant),
  // so a relay reading in (created_at, id) order publishes one order's events in the order they happened.
  await client.query(
    `INSERT INTO outbox (id, topic, type, version, key, envelope, created_at)
     VALUES ($1, $2, $3, 1, $4, $5, GREATEST(clock_timestamp(), (SELECT max(created_at) + interval '1 microsecond' FROM outbox WHERE key = $4)))`,
    [id, event.topic, event.type, event.key, JSON.stringify(envelope)],
  );
  return id;
}
