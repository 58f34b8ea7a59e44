import type { Database, Queryable } from '@shop/data';
import type { Logger } from '@shop/platform';
import type { Envelope } from './envelope.ts';
import type { HybridLogicalClock } from './hlc.ts';

/**
 * The event bus as services see it. The embedded PostgreSQL log implements it
 * today; a NATS JetStream backend (stream per topic family, Nats-Msg-Id dedup,
 * durable pull consumers) implements the same contract later, and services,
 * the relay and consumers do not change.
 */
export interface EventBus {
  /** Appends events to a topic, in the given order. An id already in the log is not stored again (`duplicate: true`). */
  publish(topic: string, envelopes: readonly Envelope[]): Promise<PublishResult[]>;
  /** Starts a member of a consumer group; see startConsumer for the delivery contract. */
  subscribe(options: SubscribeOptions): ConsumerHandle;
  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  /** Asks the dead letter's group to try the event again; false when there is no such dead letter (or it is not dead). */
  redriveDeadLetter(id: string): Promise<boolean>;
  /** Events in the topics not yet processed by the group. */
  lag(group: string, topics: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export interface PublishResult {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  duplicate: boolean;
}

/** Where and how often an event has been delivered to this handler. */
export interface Delivery {
  topic: string;
  partition: number;
  offset: number;
  /** 1 on first delivery, counting retries. */
  attempt: number;
}

/**
 * Applies one event's effect. Runs inside a transaction on the consumer's own
 * database that also records the event id in its inbox (processed_events):
 * everything done through `tx` happens exactly once per event id.
 */
export type EventHandler = (event: Envelope, tx: Queryable, delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  group: string;
  topics: readonly string[];
  /** The consumer's own database, holding its processed_events inbox. */
  db: Database;
  handle: EventHandler;
  logger: Logger;
  /** Attempts before an event is dead-lettered (default 5). Database outages do not count. */
  maxAttempts?: number;
  /** Delay before retry n (1-based), ms. Default: 100 ms doubling, capped at 5 s. */
  backoff?: (attempt: number) => number;
  /** Events read per partition per round (default 100). */
  batchSize?: number;
  /** Poll fallback when no wake-up arrives (default 1000 ms). */
  pollIntervalMs?: number;
  /** How long a partition stays owned by an instance that stops renewing (default 15 s). */
  leaseMs?: number;
  /** Merged with each received event's HLC timestamp, so local timestamps after it are greater. */
  clock?: HybridLogicalClock;
  /** Identifies this instance in leases (default: a random id). */
  instanceId?: string;
}

export interface ConsumerHandle {
  /** Stops after the event in hand, releases the partitions; resolves when stopped. */
  stop(): Promise<void>;
  /** Events in the subscribed topics not yet processed by the group. */
  lag(): Promise<number>;
}

export type DeadLetterStatus = 'dead' | 'redrive' | 'redriving' | 'redriven';

export interface DeadLetter {
  id: string;
  group: string;
  topic: string;
  partition: number;
  offset: number;
  eventId: string;
  envelope: unknown;
  error: string;
  attempts: number;
  status: DeadLetterStatus;
  failedAt: Date;
  redrivenAt: Date | null;
}

export interface DeadLetterFilter {
  group?: string;
  status?: DeadLetterStatus;
  limit?: number;
}
