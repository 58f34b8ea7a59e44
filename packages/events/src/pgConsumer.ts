import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@shop/data';
import type { ConsumerHandle, Delivery, SubscribeOptions } from './bus.ts';
import { applyWithRetries, observeClock, type Outcome } from './delivery.ts';
import { Doorbell } from './doorbell.ts';
import { isEnvelope } from './envelope.ts';
import {
  claimRedrives,
  commitOffset,
  insertDeadLetter,
  releasePartitionLeases,
  renewPartitionLeases,
  settleRedrive,
  type Member,
  type Slot,
} from './pgConsumerSql.ts';
import { parseWakeSignal } from './wake.ts';

interface Owned extends Slot {
  /** Last offset this group has processed on the partition. */
  position: number;
}

const slotId = (slot: Slot): string => `${slot.topic}/${slot.partition}`;

/** The log (PgEventLog) as its consumers use it. */
export interface ConsumedLog {
  readonly db: Database;
  partitionsOf(topic: string): Promise<number>;
  lag(group: string, topics: readonly string[]): Promise<number>;
  /** Calls `wake` with the topic (or '$redrive') when the log changes; returns the unsubscribe. */
  onWake(wake: (topic: string) => void): () => void;
}

/**
 * One member of a consumer group on the PostgreSQL log.
 * - Ownership: a lease per (group, topic, partition) row in consumer_offsets,
 *   renewed while the member lives; a partition is processed by one member at a
 *   time, and taken over by another once a dead member's lease expires.
 * - Order: a partition's events are handled one at a time in offset order
 *   (partitions side by side); a failing event is retried (blocking its
 *   partition, which is what per-key order demands) and after maxAttempts
 *   dead-lettered, and the partition moves on.
 * - Effects: each event is applied through the consumer's inbox (applyOnce),
 *   so a redelivery (a crash before the offset commit, a lease takeover) changes nothing.
 * - Infrastructure errors (database unreachable, pool exhausted) are retried
 *   without counting as attempts: an outage must not dead-letter good events.
 */
export function startPgConsumer(log: ConsumedLog, options: SubscribeOptions): ConsumerHandle {
  const member = new PgMember(log, options);
  const unsubscribe = log.onWake((signal) => member.wake(signal));
  const running = member.run();
  return {
    stop: async () => {
      member.abort();
      await running;
      unsubscribe();
      // Let another member take over at once rather than after the lease expires.
      await releasePartitionLeases(log.db, member.identity).catch(() => undefined);
    },
    lag: () => log.lag(options.group, member.topics),
  };
}

/** One member's state: the partitions it holds, what the next round reads, and its stop signal. */
class PgMember {
  readonly identity: Member;
  readonly topics: string[];
  readonly #log: ConsumedLog;
  readonly #options: SubscribeOptions;
  readonly #logger: SubscribeOptions['logger'];
  readonly #stopping = new AbortController();
  readonly #owned = new Map<string, Owned>();
  #lastRenewal = Number.NEGATIVE_INFINITY;
  #woken = false;
  readonly #bell = new Doorbell();
  // What the next round reads: every partition held, or only those a wake named
  // (an append notifies its partitions; reading all of them on every append
  // was most of the database's queries). Dead letters are looked at on a
  // redrive request, on every poll and at start, not on every wake.
  #due: 'all' | Set<string> = 'all';
  #redriveDue = true;

  constructor(log: ConsumedLog, options: SubscribeOptions) {
    this.#log = log;
    this.#options = options;
    this.identity = {
      group: options.group,
      owner: `${options.instanceId ?? 'consumer'}:${randomUUID()}`,
      leaseMs: options.leaseMs ?? 15_000,
    };
    this.topics = [...options.topics];
    this.#logger = options.logger.child({ consumerGroup: options.group });
  }

  abort(): void {
    if (!this.#stopping.signal.aborted) this.#stopping.abort();
  }

  /** A wake signal from the log: everything, the redrive requests, or the partitions an append named. */
  wake(signal: string): void {
    if (signal === '*') this.#everythingDue();
    else if (signal === '$redrive') this.#redriveDue = true;
    else {
      const named = parseWakeSignal(signal);
      if (!named || !this.topics.includes(named.topic)) return;
      if (named.partitions === undefined) this.#due = 'all';
      else for (const partition of named.partitions) this.#markDue(slotId({ topic: named.topic, partition }));
    }
    this.#woken = true;
    this.#bell.ring();
  }

  #markDue(id: string): void {
    if (this.#due !== 'all') this.#due.add(id);
  }

  #everythingDue(): void {
    this.#due = 'all';
    this.#redriveDue = true;
  }

  async run(): Promise<void> {
    const signal = this.#stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        this.#woken = false;
        const handled = await this.#round();
        failures = 0;
        if (handled === 0) await this.#waitForWake();
      } catch (error) {
        this.#everythingDue();
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          this.#logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'consumer round failed; retrying',
          );
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** One round: renew the leases, drain the due partitions side by side, redrive if asked; how many events it handled. */
  async #round(): Promise<number> {
    await this.#renewLeases();
    // Taken after the renewal, so partitions it just acquired are in this round.
    const round = this.#due;
    this.#due = new Set();
    const redriving = this.#redriveDue;
    this.#redriveDue = false;
    // Partitions are independent (order is per partition), so they drain side by side.
    const slots = [...this.#owned.values()].filter((slot) => round === 'all' || round.has(slotId(slot)));
    const drained = await Promise.all(
      slots.map(async (slot) => {
        const handled = await this.#drainPartition(slot);
        // It may hold more than one batch: read it again next round.
        if (handled > 0) this.#markDue(slotId(slot));
        return handled;
      }),
    );
    let handled = drained.reduce((a, b) => a + b, 0);
    if (redriving) {
      const redriven = await this.#redrive();
      if (redriven > 0) this.#redriveDue = true;
      handled += redriven;
    }
    return handled;
  }

  async #renewLeases(force = false): Promise<void> {
    if (!force && Date.now() - this.#lastRenewal < this.identity.leaseMs / 3) return;
    const slots: Slot[] = [];
    for (const topic of this.topics) {
      const count = await this.#log.partitionsOf(topic);
      for (let partition = 0; partition < count; partition++) slots.push({ topic, partition });
    }
    const rows = await renewPartitionLeases(this.#log.db, this.identity, slots);
    this.#lastRenewal = Date.now();
    const held = new Set<string>();
    for (const row of rows) {
      const id = slotId(row);
      held.add(id);
      const current = this.#owned.get(id);
      // The row is the truth: we commit there after every batch, so it differs from our position only
      // when an operator rewound the group (then we re-read; the inbox absorbs the repeats).
      // A partition we hold keeps its object, which a batch in progress may be using.
      if (current) {
        if (current.position !== row.offset) this.#markDue(id);
        current.position = row.offset;
      } else {
        this.#logger.debug({ topic: row.topic, partition: row.partition }, 'partition acquired');
        this.#owned.set(id, { topic: row.topic, partition: row.partition, position: row.offset });
        this.#markDue(id);
      }
    }
    for (const id of this.#owned.keys()) if (!held.has(id)) this.#owned.delete(id);
  }

  /** Delivers one event until it is applied, found a duplicate, or out of attempts. */
  async #deliver(envelope: unknown, where: Omit<Delivery, 'attempt'>): Promise<Outcome> {
    if (!isEnvelope(envelope)) return { outcome: 'dead', error: 'invalid envelope', attempts: 0 };
    observeClock(this.#options, envelope);
    return applyWithRetries({ ...this.#options, logger: this.#logger }, envelope, where, {
      signal: this.#stopping.signal,
      onRetry: () => this.#renewLeases(),
    });
  }

  /** Processes one batch of a partition; returns how many events it handled. */
  async #drainPartition(slot: Owned): Promise<number> {
    const { rows } = await this.#log.db.query<{ offset: string; envelope: unknown }>(
      'SELECT "offset", envelope FROM events WHERE topic = $1 AND partition = $2 AND "offset" > $3 ORDER BY "offset" LIMIT $4',
      [slot.topic, slot.partition, slot.position, this.#options.batchSize ?? 100],
    );
    let handled = 0;
    let last = slot.position;
    for (const row of rows) {
      const offset = Number(row.offset);
      const result = await this.#deliver(row.envelope, { topic: slot.topic, partition: slot.partition, offset });
      if (result.outcome === 'stopped') break;
      if (result.outcome === 'dead') await this.#deadLetter({ slot, offset, envelope: row.envelope, ...result });
      last = offset;
      handled += 1;
      if (!this.#owned.has(slotId(slot))) break;
    }
    if (last > slot.position) await this.#commit(slot, last);
    return handled;
  }

  async #commit(slot: Owned, offset: number): Promise<void> {
    const committed = await commitOffset(this.#log.db, this.identity, { ...slot, offset });
    slot.position = offset;
    if (committed) return;
    this.#owned.delete(slotId(slot));
    this.#logger.warn(
      { topic: slot.topic, partition: slot.partition },
      'partition lease lost; another member continues',
    );
  }

  async #deadLetter(dead: { slot: Slot; offset: number; envelope: unknown; error: string; attempts: number }) {
    const eventId = await insertDeadLetter(this.#log.db, this.identity.group, dead);
    const { slot, offset, attempts, error } = dead;
    this.#logger.error(
      { eventId, topic: slot.topic, partition: slot.partition, offset, attempts, err: error },
      'event dead-lettered',
    );
  }

  /** Re-drives dead letters of this group that an operator asked to retry. */
  async #redrive(): Promise<number> {
    const rows = await claimRedrives(this.#log.db, this.identity, this.topics);
    for (const row of rows) {
      const result = await this.#deliver(row.envelope, {
        topic: row.topic,
        partition: row.partition,
        offset: Number(row.offset),
      });
      await settleRedrive(this.#log.db, row.id, result);
      if (result.outcome === 'stopped') break;
    }
    return rows.length;
  }

  async #waitForWake(): Promise<void> {
    const signal = this.#stopping.signal;
    if (this.#woken || signal.aborted) return;
    const reason = await this.#bell.wait(this.#options.pollIntervalMs ?? 1000, signal);
    // A poll: whatever a lost notification would have said.
    if (reason === 'timeout') this.#everythingDue();
  }
}
