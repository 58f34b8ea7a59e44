import { randomUUID } from 'node:crypto';
import type { Queryable } from '@shop/data';

export const PRODUCER = 'payment-service';

export interface OutboxEvent {
  type: 'payment.succeeded' | 'payment.declined' | 'payment.failed' | 'payment.refunded';
  /** Partition key: the order id, so one order's payment events arrive in order. */
  key: string;
  aggregateId: string;
  correlationId: string;
  payload: Record<string, unknown>;
}

/**
 * Writes one event to the transactional outbox on the caller's transaction, so
 * the event exists if and only if the state change it describes committed.
 * The events package relays unpublished rows to the bus.
 */
export async function writeOutbox(db: Queryable, event: OutboxEvent): Promise<string> {
  const id = randomUUID();
  const envelope = { id, type: event.type, version: 1, key: event.key, aggregateId: event.aggregateId, producer: PRODUCER, occurredAt: new Date().toISOString(), correlationId: event.correlationId, payload: event.payload };
  await db.query('INSERT INTO outbox (id, topic, type, version, key, envelope) VALUES ($1, $2, $3, 1, $4, $5)', [id, 'payment', event.type, event.key, JSON.stringify(envelope)]);
  return id;
}
