import { randomUUID } from 'node:crypto';
import type { Queryable } from '@shop/data';

export const PRODUCER = 'product-service';

export type ProductEventType = 'product.updated' | 'product.deleted';
export type InventoryEventType = 'inventory.committed' | 'inventory.released';

export type OutboxEvent =
  | { topic: 'product'; type: ProductEventType; key: string; aggregateId: string; correlationId: string; payload: Record<string, unknown> }
  | { topic: 'inventory'; type: InventoryEventType; key: string; aggregateId: string; correlationId: string; payload: Record<string, unknown> };

/**
 * Writes one event to the transactional outbox on the caller's transaction,
 * so the event exists if and only if the change it describes committed. The
 * events package relays unpublished rows to the bus.
 */
export async function writeOutbox(client: Queryable, event: OutboxEvent, now: Date = new Date()): Promise<string> {
  const id = randomUUID();
  const envelope = {
    id,
    type: event.type,
    version: 1,
    key: event.key,
    aggregateId: event.aggregateId,
    producer: PRODUCER,
    occurredAt: now.toISOString(),
    correlationId: event.correlationId,
    payload: event.payload,
  };
  await client.query('INSERT INTO outbox (id, topic, type, version, key, envelope) VALUES ($1, $2, $3, 1, $4, $5)', [id, event.topic, event.type, event.key, JSON.stringify(envelope)]);
  return id;
}
