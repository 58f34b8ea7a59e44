import { randomUUID } from 'node:crypto';
import type { Queryable } from '@shop/data';

export const PRODUCER = 'user-service';

export interface OutboxEvent {
  topic: string;
  type: string;
  /** Partition key: events with one key are delivered in order. */
  key: string;
  aggregateId: string;
  correlationId: string;
  occurredAt: Date;
  payload: Record<string, unknown>;
}

/**
 * Writes one event to the transactional outbox on the caller's transaction, so
 * the event exists if and only if the change it describes committed. Kept as
 * the one place to swap for the events package's appendToOutbox.
 */
export async function appendToOutbox(q: Queryable, event: OutboxEvent): Promise<string> {
  const id = randomUUID();
  const envelope = {
    id,
    type: event.type,
    version: 1,
    key: event.key,
    aggregateId: event.aggregateId,
    producer: PRODUCER,
    occurredAt: event.occurredAt.toISOString(),
    correlationId: event.correlationId,
    payload: event.payload,
  };
  await q.query('INSERT INTO outbox (id, topic, type, version, key, envelope) VALUES ($1, $2, $3, 1, $4, $5)', [id, event.topic, event.type, event.key, JSON.stringify(envelope)]);
  return id;
}
