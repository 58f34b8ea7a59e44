import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@shop/data';
import type { Logger } from '@shop/platform';
import type { EventBus } from './bus.ts';
import { isEnvelope, type Envelope } from './envelope.ts';

export interface OutboxRelayOptions {
  /** The producer's own database, holding its outbox table. */
  db: Database;
  log: Pick<EventBus, 'publish'>;
  logger: Logger;
  /** Pause between polls when the outbox is empty (default 200 ms). */
  pollIntervalMs?: number;
  /** Rows claimed per transaction (default 100). */
  batchSize?: number;
}

export interface OutboxRelay {
  stop(): Promise<void>;
  /** Publishes pending rows now instead of at the next poll. */
  kick(): void;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  envelope: unknown;
}

/**
 * Publishes a producer's outbox to the bus, in created_at order, in order per key.
 *
 * Each round claims a batch with FOR UPDATE SKIP LOCKED, so several relay
 * instances on one outbox never claim the same row: no double publish in
 * normal operation. Per-key order across instances: a claimed row is held back
 * when an earlier unpublished row with its key is not in the batch (another
 * relay holds it); it goes out in a later round, after that one committed.
 * The rows are appended to the log and marked published in the same producer
 * transaction; a crash between the append and the commit leaves them
 * unpublished, they are appended again, and the log's id dedup absorbs it.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const stopping = new AbortController();
  let kick: AbortController = new AbortController();
  const logger = options.logger.child({ component: 'outbox-relay' });
  const relay = { ...options, logger, batchSize: options.batchSize ?? 100 };

  const run = async (): Promise<void> => {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let full = 0;
      try {
        full = await relayRound(relay);
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0)
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'outbox relay round failed; retrying',
          );
      }
      if (full > 0) continue;
      const wait = failures > 0 ? Math.min(5000, pollIntervalMs * 2 ** Math.min(failures, 5)) : pollIntervalMs;
      await sleep(wait, undefined, { signal: AbortSignal.any([stopping.signal, kick.signal]) }).catch(() => undefined);
      if (kick.signal.aborted) kick = new AbortController();
    }
  };

  const running = run();
  return {
    stop: async () => {
      stopping.abort();
      await running;
    },
    kick: () => kick.abort(),
  };
}

type Relay = Pick<OutboxRelayOptions, 'db' | 'log' | 'logger'> & { batchSize: number };

/**
 * One round in one producer transaction: claim a batch, publish the rows that
 * may go now, mark them published. Returns how many went out when the batch
 * was full (go again at once), else 0.
 */
async function relayRound(relay: Relay): Promise<number> {
  return relay.db.transaction(async (tx) => {
    const { rows } = await tx.query<OutboxRow>(
      'SELECT id, topic, key, envelope FROM outbox WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED',
      [relay.batchSize],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    const { rows: blocked } = await tx.query<{ id: string }>(
      `SELECT o.id FROM outbox o WHERE o.id = ANY($1::uuid[]) AND EXISTS (
         SELECT 1 FROM outbox p WHERE p.published_at IS NULL AND p.topic = o.topic AND p.key = o.key
         AND (p.created_at, p.id) < (o.created_at, o.id) AND NOT (p.id = ANY($1::uuid[])))`,
      [ids],
    );
    const ready = readyRows(rows, new Set(blocked.map((r) => r.id)), relay.logger);
    const byTopic = new Map<string, Envelope[]>();
    for (const row of ready) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row.envelope as Envelope]);
    for (const [topic, envelopes] of byTopic) await relay.log.publish(topic, envelopes);
    if (ready.length > 0)
      await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])', [ready.map((r) => r.id)]);
    // A full batch that made progress: go again at once rather than wait for the next poll.
    return rows.length === relay.batchSize && ready.length > 0 ? ready.length : 0;
  });
}

/**
 * The claimed rows that may be published now, in order: not `held` (an
 * earlier row of their key is claimed elsewhere), a valid envelope, and no
 * earlier row of their key held back in this batch.
 */
function readyRows(rows: OutboxRow[], held: Set<string>, logger: Logger): OutboxRow[] {
  const ids = rows.map((r) => r.id);
  const ready: OutboxRow[] = [];
  for (const row of rows) {
    if (held.has(row.id)) continue;
    if (!isEnvelope(row.envelope)) {
      // Left unpublished (and blocking its key, which keeps order honest); loud until fixed.
      logger.error({ outboxId: row.id, topic: row.topic }, 'outbox row has an invalid envelope; not published');
      held.add(row.id);
      continue;
    }
    // Skip the rest of a key after a row of it was held back.
    if (
      rows.some(
        (r) => held.has(r.id) && r.topic === row.topic && r.key === row.key && ids.indexOf(r.id) < ids.indexOf(row.id),
      )
    )
      continue;
    ready.push(row);
  }
  return ready;
}
