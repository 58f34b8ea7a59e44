import type { Database, Queryable } from '@shop/data';
import type { Logger } from '@shop/platform';
import type { Envelope } from './envelope.ts';
import type { HybridLogicalClock } from './hlc.ts';

export type EventBackend = 'postgres' | 'jetstream';

/**
 * The event bus as services see it, on two backends with one contract
 * (test/events/contract.test.ts runs against both): the embedded PostgreSQL
 * log (pgEventLog.ts) and NATS JetStream (jetstream/). Services, the relay and
 * consumers never know which one they talk to; createEventBus picks it.
 *
 * Offsets: a position in a topic's log, increasing in publish order within a
 * partition. On PostgreSQL they count per partition; on JetStream they are
 * the topic stream's sequence. Only compare offsets of one topic and backend.
 */
export interface EventBus {
  readonly backend: EventBackend;
  /**
   * Gets the backend ready (PostgreSQL: applies the log's migrations;
   * JetStream: connects). Throws while it is unreachable; safe to call again.
   */
  ready(): Promise<void>;
  /**
   * Appends events to a topic, in the given order per key. An id already in the
   * log is not stored again (`duplicate: true`, with the original position).
   * PostgreSQL remembers ids forever; JetStream within its duplicate window
   * (10 min by default): past that, consumers' inboxes absorb the repeat.
   */
  publish(topic: string, envelopes: readonly Envelope[]): Promise<PublishResult[]>;
  /** Starts a member of a consumer group; see startConsumer for the delivery contract. */
  subscribe(options: SubscribeOptions): ConsumerHandle;
  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  /** Asks the dead letter's group to try the event again; false when there is no such dead letter (or it is not dead). */
  redriveDeadLetter(id: string): Promise<boolean>;
  /** Events in the topics not yet processed by the group. */
  lag(group: string, topics: readonly string[]): Promise<number>;
  /**
   * Reads a topic from `fromOffset` (default 0: the beginning) up to its head
   * as of the call, in order within each partition, outside any consumer
   * group: nothing is acknowledged, no inbox is involved. For rebuilding a
   * projection (event sourcing) or inspecting the log.
   */
  replay(topic: string, options?: ReplayOptions): AsyncIterable<ReplayedEvent>;
  /**
   * Moves a group back (or forward) so its next event on `topic` is the first
   * after `toOffset` in each partition (0: from the beginning). Call it while
   * no member of the group runs. Redelivered events meet the group's inbox:
   * a projection rebuilt this way clears its inbox rows with its own state.
   */
  resetGroup(group: string, topic: string, toOffset?: number): Promise<void>;
  close(): Promise<void>;
}

export interface PublishResult {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  duplicate: boolean;
}

export interface ReplayOptions {
  /** Events after this offset (default 0: all). See EventBus for what an offset counts. */
  fromOffset?: number;
  signal?: AbortSignal;
}

export interface ReplayedEvent {
  event: Envelope;
  topic: string;
  partition: number;
  offset: number;
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
  /**
   * The event types the handler acts on (default: all). Any other is passed
   * over, acknowledged without a transaction or an inbox row: an event a
   * handler ignores has no effect to apply once, and a subscriber interested
   * in one type of a busy topic should not pay a transaction for each of the rest.
   */
  accepts?: (type: string) => boolean;
  logger: Logger;
  /** Attempts before an event is dead-lettered (default 5). Database outages do not count. */
  maxAttempts?: number;
  /** Delay before retry n (1-based), ms. Default: 100 ms doubling, capped at 5 s. */
  backoff?: (attempt: number) => number;
  /** Events fetched per partition per request (default 100). */
  batchSize?: number;
  /** How soon an idle member looks again without a wake-up (default 1000 ms; PostgreSQL's poll fallback, JetStream's watch of redriven letters). */
  pollIntervalMs?: number;
  /**
   * How long work taken by a member that stops responding stays reserved to it
   * before another member of the group gets it (default 15 s): a partition
   * lease on PostgreSQL, the ack wait of the event in hand on JetStream.
   */
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
