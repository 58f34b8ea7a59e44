import { appendToOutbox } from '@shop/events';
import type { Queryable } from '@shop/data';

export const PRODUCER = 'product-service';

export type ProductEventType = 'product.updated' | 'product.deleted';
export type InventoryEventType = 'inventory.committed' | 'inventory.released';

export type OutboxEvent =
  | {
      topic: 'product';
      type: ProductEventType;
      key: string;
      aggregateId: string;
      correlationId: string;
      payload: Record<string, unknown>;
    }
  | {
      topic: 'inventory';
      type: InventoryEventType;
      key: string;
      aggregateId: string;
      correlationId: string;
      payload: Record<string, unknown>;
    };

/**
 * Writes one event to the transactional outbox on the caller's transaction,
 * so the event exists if and only if the change it describes committed. The
 * envelope is the events package's (UUIDv7, hybrid logical clock, trace
 * context, per-key order); its relay moves unpublished rows to the bus.
 */
export async function writeOutbox(client: Queryable, event: OutboxEvent): Promise<string> {
  return (await appendToOutbox(client, PRODUCER, event)).id;
}
