import { context, propagation } from '@opentelemetry/api';
import type { Queryable } from '@shop/data';
import { v7 as uuidv7 } from 'uuid';
import { assertEnvelope, type Envelope } from './envelope.ts';
import { encodeHlc, HybridLogicalClock } from './hlc.ts';

/**
 * The outbox every producer keeps in its own database (documentation: each
 * service's migrations create it). A row is inserted in the same transaction
 * as the state change it describes; startOutboxRelay publishes it.
 */
export const OUTBOX_TABLE_SQL = `CREATE TABLE outbox (
  id uuid PRIMARY KEY, topic text NOT NULL, type text NOT NULL, version integer NOT NULL DEFAULT 1,
  key text NOT NULL, envelope jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;`;

/** The consumer-side inbox startConsumer writes to (each consumer's migrations create it). */
export const INBOX_TABLE_SQL = `CREATE TABLE processed_events (
  event_id uuid PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);`;

export interface OutboxEvent {
  topic: string;
  type: string;
  /** Ordering key: events with one key are delivered in order. */
  key: string;
  payload: Record<string, unknown>;
  version?: number;
  /** Defaults to the key. */
  aggregateId?: string;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}

// The HLC is per process by nature (its whole point is one monotonic sequence
// per node); producers that want their own, or a fake clock in tests, pass one.
let defaultClock: HybridLogicalClock | undefined;

/**
 * Builds the envelope (UUIDv7 id, HLC timestamp), validates it and inserts the
 * outbox row on the caller's transaction, so the event exists if and only if
 * the state change committed. Returns the envelope.
 */
export async function appendToOutbox(
  tx: Queryable,
  producer: string,
  event: OutboxEvent,
  clock?: HybridLogicalClock,
): Promise<Envelope> {
  const hlc = (clock ?? (defaultClock ??= new HybridLogicalClock({ node: producer }))).now();
  const traceparent = event.traceparent ?? activeTraceparent();
  const envelope: Envelope = {
    id: uuidv7(),
    type: event.type,
    version: event.version ?? 1,
    key: event.key,
    aggregateId: event.aggregateId ?? event.key,
    producer,
    occurredAt: new Date(hlc.wall).toISOString(),
    ...(event.correlationId !== undefined ? { correlationId: event.correlationId } : {}),
    ...(event.causationId !== undefined ? { causationId: event.causationId } : {}),
    ...(traceparent !== undefined ? { traceparent } : {}),
    hlc: encodeHlc(hlc),
    payload: event.payload,
  };
  assertEnvelope(envelope);
  // The relay reads in (created_at, id) order, so created_at must follow the
  // order in which one key's changes commit. now() is the transaction's start:
  // of two transactions on one aggregate, the later writer may have started
  // first. clock_timestamp() is taken after the aggregate's row lock, and the
  // key's latest row + 1 µs keeps several events of one transaction in order.
  await tx.query(
    `INSERT INTO outbox (id, topic, type, version, key, envelope, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, GREATEST(clock_timestamp(), (SELECT max(created_at) + interval '1 microsecond' FROM outbox WHERE key = $5)))`,
    [envelope.id, event.topic, envelope.type, envelope.version, envelope.key, JSON.stringify(envelope)],
  );
  return envelope;
}

/** The active span's W3C traceparent, so a consumer's work joins the producer's trace. */
function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}
