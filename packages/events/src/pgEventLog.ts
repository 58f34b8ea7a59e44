import { Database, migrate, readMigrations, type Queryable } from '@shop/data';
import type { Logger } from '@shop/platform';
import type {
  ConsumerHandle,
  DeadLetter,
  DeadLetterFilter,
  EventBus,
  PublishResult,
  ReplayOptions,
  ReplayedEvent,
  SubscribeOptions,
} from './bus.ts';
import { assertEnvelope, type Envelope } from './envelope.ts';
import { listenForNotifications, type Listener } from './listener.ts';
import { partitionOf } from './partition.ts';
import { startPgConsumer, type ConsumedLog } from './pgConsumer.ts';
import { wakeSignal } from './wake.ts';
import { replayPgTopic, resetPgGroup } from './pgReplay.ts';
import { trackedConsumer } from './tracked.ts';

export const EVENTS_CHANNEL = 'shop_events';
const TOPIC = /^[a-z][a-z0-9_.-]{0,99}$/;

export interface PgEventLogOptions {
  /** The events database (EVENTS_DATABASE_URL); the log owns a small pool on it. */
  connectionString?: string;
  /** Or a pool the caller owns (then close() leaves it open). */
  db?: Database;
  /** Partitions of a topic created by this log (default 8); an existing topic keeps its count. */
  partitions?: number;
  poolMax?: number;
  logger?: Logger;
  /** Delete events older than this many days once every group has processed them (checked hourly); unset keeps all. */
  retentionDays?: number;
  /** Wake consumers by LISTEN/NOTIFY (default true); they poll regardless. */
  listen?: boolean;
}

/** Applies the log's migrations; safe when several processes start at once (advisory lock). */
export async function migrateEventLog(target: Database | { connectionString: string }): Promise<number[]> {
  const db =
    target instanceof Database
      ? target
      : new Database({ connectionString: target.connectionString, max: 1, acquireTimeoutMs: 10_000 });
  try {
    return await migrate(db, await readMigrations(new URL('../migrations/', import.meta.url)), {
      lockKey: 'shop-events:migrations',
    });
  } finally {
    if (db !== target) await db.close();
  }
}

export function createPgEventLog(options: PgEventLogOptions): PgEventLog {
  return new PgEventLog(options);
}

/** The dead_letters columns named as a DeadLetter's fields (the bigint offset as a number): rows need no mapping. */
const DEAD_LETTER_COLUMNS = `id, group_name AS "group", topic, partition, "offset"::float8 AS "offset", event_id AS "eventId",
  envelope, error, attempts, status, failed_at AS "failedAt", redriven_at AS "redrivenAt"`;

/** The embedded event log: an EventBus kept in its own PostgreSQL database. */
export class PgEventLog implements EventBus, ConsumedLog {
  readonly backend = 'postgres';
  readonly db: Database;
  readonly logger: Logger | undefined;
  readonly #ownsDb: boolean;
  readonly #defaultPartitions: number;
  readonly #partitions = new Map<string, number>();
  readonly #wakers = new Set<(topic: string) => void>();
  readonly #consumers = new Set<ConsumerHandle>();
  readonly #listen: boolean;
  #listener: Listener | undefined;
  #retention: NodeJS.Timeout | undefined;

  constructor(options: PgEventLogOptions) {
    if (options.db) {
      this.db = options.db;
      this.#ownsDb = false;
    } else if (options.connectionString) {
      this.db = new Database({
        connectionString: options.connectionString,
        max: options.poolMax ?? 4,
        acquireTimeoutMs: 5000,
        statementTimeoutMs: 30_000,
        applicationName: 'event-log',
      });
      this.#ownsDb = true;
    } else {
      throw new Error('createPgEventLog needs a connectionString or a db');
    }
    this.logger = options.logger;
    this.#defaultPartitions = options.partitions ?? 8;
    this.#listen = options.listen ?? true;
    const days = options.retentionDays;
    if (days !== undefined) {
      this.#retention = setInterval(() => {
        this.applyRetention(days).catch((error: unknown) =>
          this.logger?.warn({ err: error }, 'event retention failed'),
        );
      }, 3_600_000);
      this.#retention.unref();
    }
  }

  async ready(): Promise<void> {
    await migrateEventLog(this.db);
  }

  async publish(topic: string, envelopes: readonly Envelope[]): Promise<PublishResult[]> {
    assertTopic(topic);
    envelopes.forEach((e) => assertEnvelope(e));
    const unique = [...new Map(envelopes.map((e) => [e.id, e])).values()];
    if (unique.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const partitions = await this.partitionsOf(topic, tx);
      const { rows: existing } = await tx.query<{ id: string; topic: string; partition: number; offset: string }>(
        'SELECT id, topic, partition, "offset" FROM events WHERE id = ANY($1::uuid[])',
        [unique.map((e) => e.id)],
      );
      const known = new Map(existing.map((r) => [r.id, r]));
      const fresh = unique.filter((e) => !known.has(e.id));
      const byPartition = new Map<number, Envelope[]>();
      for (const e of fresh) {
        const p = partitionOf(e.key, partitions);
        byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
      }
      const placed = new Map<string, { partition: number; offset: number }>();
      // Heads are locked in ascending partition order, so concurrent appenders never deadlock.
      for (const [partition, batch] of [...byPartition].sort((a, b) => a[0] - b[0])) {
        const { rows } = await tx.query<{ first: string }>(
          `INSERT INTO partition_heads (topic, partition, next_offset) VALUES ($1, $2, 1 + $3::bigint)
           ON CONFLICT (topic, partition) DO UPDATE SET next_offset = partition_heads.next_offset + $3::bigint
           RETURNING next_offset - $3::bigint AS first`,
          [topic, partition, batch.length],
        );
        const first = Number(rows[0]!.first);
        batch.forEach((e, i) => placed.set(e.id, { partition, offset: first + i }));
      }
      if (fresh.length > 0) {
        const at = fresh.map((e) => placed.get(e.id)!);
        // A concurrent append of the same id may win between our check and here: DO NOTHING leaves a harmless gap.
        await tx.query(
          `INSERT INTO events (topic, partition, "offset", id, key, type, envelope)
           SELECT $1::text, * FROM unnest($2::int[], $3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[])
           ON CONFLICT (id) DO NOTHING`,
          [
            topic,
            at.map((p) => p.partition),
            at.map((p) => p.offset),
            fresh.map((e) => e.id),
            fresh.map((e) => e.key),
            fresh.map((e) => e.type),
            fresh.map((e) => JSON.stringify(e)),
          ],
        );
        await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, wakeSignal(topic, [...byPartition.keys()])]);
      }
      return unique.map((e): PublishResult => {
        const old = known.get(e.id);
        if (old)
          return { id: e.id, topic: old.topic, partition: old.partition, offset: Number(old.offset), duplicate: true };
        const p = placed.get(e.id)!;
        return { id: e.id, topic, partition: p.partition, offset: p.offset, duplicate: false };
      });
    });
  }

  subscribe(options: SubscribeOptions): ConsumerHandle {
    options.topics.forEach(assertTopic);
    this.#ensureListening();
    return trackedConsumer(this.#consumers, startPgConsumer(this, options));
  }

  async listDeadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const { rows } = await this.db.query<DeadLetter>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE ($1::text IS NULL OR group_name = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY failed_at, id LIMIT $3`,
      [filter.group ?? null, filter.status ?? null, Math.min(Math.max(filter.limit ?? 100, 1), 1000)],
    );
    return rows;
  }

  async redriveDeadLetter(id: string): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
    const { rowCount } = await this.db.query(
      "UPDATE dead_letters SET status = 'redrive', claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND status = 'dead'",
      [id],
    );
    if (rowCount === 0) return false;
    await this.db.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, '$redrive']);
    return true;
  }

  async lag(group: string, topics: readonly string[]): Promise<number> {
    const { rows } = await this.db.query<{ lag: string }>(
      `SELECT coalesce(sum(h.next_offset - 1 - coalesce(o."offset", 0)), 0) AS lag
       FROM partition_heads h LEFT JOIN consumer_offsets o ON o.group_name = $1 AND o.topic = h.topic AND o.partition = h.partition
       WHERE h.topic = ANY($2::text[])`,
      [group, [...topics]],
    );
    return Math.max(0, Number(rows[0]?.lag ?? 0));
  }

  replay(topic: string, options?: ReplayOptions): AsyncIterable<ReplayedEvent> {
    assertTopic(topic);
    return replayPgTopic(this.db, topic, options);
  }

  async resetGroup(group: string, topic: string, toOffset = 0): Promise<void> {
    assertTopic(topic);
    await resetPgGroup(this.db, group, { topic, partitions: await this.partitionsOf(topic), toOffset });
  }

  /** Deletes events older than `days` that every group with an offset on their partition has passed. Returns how many. */
  async applyRetention(days: number): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM events e WHERE e.appended_at < now() - make_interval(secs => $1::double precision * 86400)
       AND NOT EXISTS (SELECT 1 FROM consumer_offsets o WHERE o.topic = e.topic AND o.partition = e.partition AND o."offset" < e."offset")`,
      [days],
    );
    return rowCount ?? 0;
  }

  /** The topic's partition count, registering the topic with the default on first use. */
  async partitionsOf(topic: string, q: Queryable = this.db): Promise<number> {
    const cached = this.#partitions.get(topic);
    if (cached !== undefined) return cached;
    await q.query('INSERT INTO event_topics (topic, partitions) VALUES ($1, $2) ON CONFLICT (topic) DO NOTHING', [
      topic,
      this.#defaultPartitions,
    ]);
    const { rows } = await q.query<{ partitions: number }>('SELECT partitions FROM event_topics WHERE topic = $1', [
      topic,
    ]);
    const partitions = rows[0]!.partitions;
    this.#partitions.set(topic, partitions);
    return partitions;
  }

  /** Called with the topic (or '$redrive') when the log changes; returns the unsubscribe. */
  onWake(wake: (topic: string) => void): () => void {
    this.#wakers.add(wake);
    return () => this.#wakers.delete(wake);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((c) => c.stop()));
    this.#consumers.clear();
    if (this.#retention) clearInterval(this.#retention);
    await this.#listener?.close();
    this.#listener = undefined;
    if (this.#ownsDb) await this.db.close();
  }

  #ensureListening(): void {
    if (this.#listener || !this.#listen) return;
    const wakeAll = (topic: string): void => this.#wakers.forEach((wake) => wake(topic));
    this.#listener = listenForNotifications(this.db, EVENTS_CHANNEL, wakeAll, {
      logger: this.logger,
      onConnected: () => wakeAll('*'),
    });
  }
}

function assertTopic(topic: string): void {
  if (!TOPIC.test(topic)) throw new Error(`Invalid topic name ${JSON.stringify(topic)}`);
}
