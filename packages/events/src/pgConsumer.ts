import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import type { ConsumerHandle, Delivery, SubscribeOptions } from './bus.ts';
import { applyWithRetries, observeClock, type Outcome } from './delivery.ts';
import { isEnvelope } from './envelope.ts';
import type { PgEventLog } from './pgEventLog.ts';
import { parseWakeSignal } from './wake.ts';

interface Owned {
  topic: string;
  partition: number;
  /** Last offset this group has processed on the partition. */
  position: number;
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
export function startPgConsumer(log: PgEventLog, options: SubscribeOptions): ConsumerHandle {
  const owner = `${options.instanceId ?? 'consumer'}:${randomUUID()}`;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? 15_000;
  const topics = [...options.topics];
  const logger = options.logger.child({ consumerGroup: options.group });
  const stopping = new AbortController();
  const owned = new Map<string, Owned>();
  let lastRenewal = Number.NEGATIVE_INFINITY;
  let woken = false;
  let wake: () => void = () => undefined;
  // What the next round reads: every partition held, or only those a wake named
  // (an append notifies its partitions; reading all of them on every append
  // was most of the database's queries). Dead letters are looked at on a
  // redrive request, on every poll and at start, not on every wake.
  let due: 'all' | Set<string> = 'all';
  let redriveDue = true;
  const slotId = (slot: { topic: string; partition: number }): string => `${slot.topic}/${slot.partition}`;
  const markDue = (id: string): void => {
    if (due !== 'all') due.add(id);
  };
  const everythingDue = (): void => {
    due = 'all';
    redriveDue = true;
  };

  const unsubscribe = log.onWake((signal) => {
    if (signal === '*') everythingDue();
    else if (signal === '$redrive') redriveDue = true;
    else {
      const named = parseWakeSignal(signal);
      if (!named || !topics.includes(named.topic)) return;
      if (named.partitions === undefined) due = 'all';
      else for (const partition of named.partitions) markDue(slotId({ topic: named.topic, partition }));
    }
    woken = true;
    wake();
  });

  const renewLeases = async (force = false): Promise<void> => {
    if (!force && Date.now() - lastRenewal < leaseMs / 3) return;
    const slots: Array<{ topic: string; partition: number }> = [];
    for (const topic of topics) {
      const count = await log.partitionsOf(topic);
      for (let partition = 0; partition < count; partition++) slots.push({ topic, partition });
    }
    const { rows } = await log.db.query<{ topic: string; partition: number; offset: string }>(
      `INSERT INTO consumer_offsets (group_name, topic, partition, lease_owner, lease_until)
       SELECT $1, t, p, $4, now() + make_interval(secs => $5::double precision / 1000) FROM unnest($2::text[], $3::int[]) AS s(t, p)
       ON CONFLICT (group_name, topic, partition) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until
       WHERE consumer_offsets.lease_owner IS NULL OR consumer_offsets.lease_owner = EXCLUDED.lease_owner OR consumer_offsets.lease_until < now()
       RETURNING topic, partition, "offset"`,
      [options.group, slots.map((s) => s.topic), slots.map((s) => s.partition), owner, leaseMs],
    );
    lastRenewal = Date.now();
    const held = new Set<string>();
    for (const row of rows) {
      const id = `${row.topic}/${row.partition}`;
      held.add(id);
      const current = owned.get(id);
      // The row is the truth: we commit there after every batch, so it differs from our position only
      // when an operator rewound the group (then we re-read; the inbox absorbs the repeats).
      // A partition we hold keeps its object, which a batch in progress may be using.
      if (current) {
        if (current.position !== Number(row.offset)) markDue(id);
        current.position = Number(row.offset);
      } else {
        logger.debug({ topic: row.topic, partition: row.partition }, 'partition acquired');
        owned.set(id, { topic: row.topic, partition: row.partition, position: Number(row.offset) });
        markDue(id);
      }
    }
    for (const id of owned.keys()) if (!held.has(id)) owned.delete(id);
  };

  const commit = async (slot: Owned, offset: number): Promise<boolean> => {
    const { rowCount } = await log.db.query(
      `UPDATE consumer_offsets SET "offset" = $4, updated_at = now()
       WHERE group_name = $1 AND topic = $2 AND partition = $3 AND lease_owner = $5 AND "offset" < $4`,
      [options.group, slot.topic, slot.partition, offset, owner],
    );
    slot.position = offset;
    return (rowCount ?? 0) > 0;
  };

  /** Delivers one event until it is applied, found a duplicate, or out of attempts. */
  const deliver = async (envelope: unknown, where: Omit<Delivery, 'attempt'>): Promise<Outcome> => {
    if (!isEnvelope(envelope)) return { outcome: 'dead', error: 'invalid envelope', attempts: 0 };
    observeClock(options, envelope);
    return applyWithRetries({ ...options, logger }, envelope, where, stopping.signal, () => renewLeases());
  };

  const deadLetter = async (
    slot: Owned,
    offset: number,
    envelope: unknown,
    error: string,
    attempts: number,
  ): Promise<void> => {
    const eventId = (envelope as { id?: unknown } | null)?.id;
    const id = typeof eventId === 'string' && /^[0-9a-f-]{36}$/i.test(eventId) ? eventId : uuidv7();
    await log.db.query(
      `INSERT INTO dead_letters (id, group_name, topic, partition, "offset", event_id, envelope, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (group_name, event_id) DO UPDATE SET status = 'dead', error = EXCLUDED.error, attempts = dead_letters.attempts + EXCLUDED.attempts, failed_at = now(), claimed_by = NULL, claimed_until = NULL`,
      [uuidv7(), options.group, slot.topic, slot.partition, offset, id, JSON.stringify(envelope), error, attempts],
    );
    logger.error(
      { eventId: id, topic: slot.topic, partition: slot.partition, offset, attempts, err: error },
      'event dead-lettered',
    );
  };

  /** Processes one batch of a partition; returns how many events it handled. */
  const drainPartition = async (slot: Owned): Promise<number> => {
    const { rows } = await log.db.query<{ offset: string; envelope: unknown }>(
      'SELECT "offset", envelope FROM events WHERE topic = $1 AND partition = $2 AND "offset" > $3 ORDER BY "offset" LIMIT $4',
      [slot.topic, slot.partition, slot.position, batchSize],
    );
    let handled = 0;
    let last = slot.position;
    for (const row of rows) {
      const offset = Number(row.offset);
      const result = await deliver(row.envelope, { topic: slot.topic, partition: slot.partition, offset });
      if (result.outcome === 'stopped') break;
      if (result.outcome === 'dead') await deadLetter(slot, offset, row.envelope, result.error, result.attempts);
      last = offset;
      handled += 1;
      if (!owned.has(`${slot.topic}/${slot.partition}`)) break;
    }
    if (last > slot.position && !(await commit(slot, last))) {
      owned.delete(`${slot.topic}/${slot.partition}`);
      logger.warn({ topic: slot.topic, partition: slot.partition }, 'partition lease lost; another member continues');
    }
    return handled;
  };

  /** Re-drives dead letters of this group that an operator asked to retry. */
  const redrive = async (): Promise<number> => {
    const { rows } = await log.db.query<{
      id: string;
      topic: string;
      partition: number;
      offset: string;
      envelope: unknown;
    }>(
      `UPDATE dead_letters SET status = 'redriving', claimed_by = $3, claimed_until = now() + make_interval(secs => $4::double precision / 1000)
       WHERE id IN (SELECT id FROM dead_letters WHERE group_name = $1 AND topic = ANY($2::text[])
                    AND (status = 'redrive' OR (status = 'redriving' AND claimed_until < now()))
                    ORDER BY failed_at LIMIT 10 FOR UPDATE SKIP LOCKED)
       RETURNING id, topic, partition, "offset", envelope`,
      [options.group, topics, owner, leaseMs],
    );
    for (const row of rows) {
      const result = await deliver(row.envelope, {
        topic: row.topic,
        partition: row.partition,
        offset: Number(row.offset),
      });
      if (result.outcome === 'stopped') {
        await log.db.query("UPDATE dead_letters SET status = 'redrive', claimed_by = NULL WHERE id = $1", [row.id]);
        break;
      }
      if (result.outcome === 'done')
        await log.db.query(
          "UPDATE dead_letters SET status = 'redriven', redriven_at = now(), claimed_by = NULL WHERE id = $1",
          [row.id],
        );
      else
        await log.db.query(
          "UPDATE dead_letters SET status = 'dead', error = $2, attempts = attempts + $3, failed_at = now(), claimed_by = NULL WHERE id = $1",
          [row.id, result.error, result.attempts],
        );
    }
    return rows.length;
  };

  const waitForWake = async (): Promise<void> => {
    if (woken || stopping.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        // A poll: whatever a lost notification would have said.
        everythingDue();
        done();
      }, pollIntervalMs);
      function done(): void {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        wake = () => undefined;
        resolve();
      }
      wake = done;
      stopping.signal.addEventListener('abort', done, { once: true });
    });
  };

  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        woken = false;
        await renewLeases();
        // Taken after the renewal, so partitions it just acquired are in this round.
        const round = due;
        due = new Set();
        const redriving = redriveDue;
        redriveDue = false;
        // Partitions are independent (order is per partition), so they drain side by side.
        const slots = [...owned.values()].filter((slot) => round === 'all' || round.has(slotId(slot)));
        const drained = await Promise.all(
          slots.map(async (slot) => {
            const handled = await drainPartition(slot);
            // It may hold more than one batch: read it again next round.
            if (handled > 0) markDue(slotId(slot));
            return handled;
          }),
        );
        let handled = drained.reduce((a, b) => a + b, 0);
        if (redriving) {
          const redriven = await redrive();
          if (redriven > 0) redriveDue = true;
          handled += redriven;
        }
        failures = 0;
        if (handled === 0) await waitForWake();
      } catch (error) {
        everythingDue();
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'consumer round failed; retrying',
          );
        await sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)), undefined, { signal: stopping.signal }).catch(
          () => undefined,
        );
      }
    }
  };

  const running = run();
  return {
    stop: async () => {
      if (!stopping.signal.aborted) stopping.abort();
      await running;
      unsubscribe();
      // Let another member take over at once rather than after the lease expires.
      await log.db
        .query(
          'UPDATE consumer_offsets SET lease_owner = NULL, lease_until = NULL WHERE group_name = $1 AND lease_owner = $2',
          [options.group, owner],
        )
        .catch(() => undefined);
    },
    lag: () => log.lag(options.group, topics),
  };
}
