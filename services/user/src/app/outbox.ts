import { appendToOutbox as append } from '@shop/events';
import type { Queryable } from '@shop/data';

export const PRODUCER = 'user-service';

export interface OutboxEvent {
  topic: string;
  type: string;
  /** Partition key: events with one key are delivered in order. */
  key: string;
  aggregateId: string;
  correlationId: string;
  payload: Record<string, unknown>;
}

/**
 * Writes one event to the transactional outbox on the caller's transaction, so
 * the event exists if and only if the change it describes committed. The
 * envelope is the events package's (UUIDv7, hybrid logical clock, trace
 * context, per-key order); its relay moves unpublished rows to the bus.
 */
export async function appendToOutbox(q: Queryable, event: OutboxEvent): Promise<string> {
  return (await append(q, PRODUCER, event)).id;
}
