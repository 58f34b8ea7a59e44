import { appendToOutbox } from '@shop/events';
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
 * The envelope is the events package's (UUIDv7, hybrid logical clock, trace
 * context, per-key order); its relay moves unpublished rows to the bus.
 */
export async function writeOutbox(db: Queryable, event: OutboxEvent): Promise<string> {
  return (await appendToOutbox(db, PRODUCER, { topic: 'payment', ...event })).id;
}
