// Publish-to-effect lag of a bus backend (measureEventLag), for the bench's
// event-lag rows: one process publishes at a steady rate and consumes through
// a consumer group and inbox, and times each event to its effect's commit.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Database, type Queryable } from '@shop/data';
import {
  INBOX_TABLE_SQL,
  JetStreamBus,
  createEventBus,
  startConsumer,
  type EventBackend,
  type EventBus,
  type Envelope,
} from '@shop/events';
import { createLogger, type Logger } from '@shop/platform';

export interface EventLagOptions {
  backend: EventBackend;
  /** JetStream: the server (NATS_URL). */
  natsUrl?: string;
  /** PostgreSQL: the event log's database (migrated here). */
  eventsDatabaseUrl?: string;
  /** The consumer's own database: its inbox and the effects table are made here. */
  consumerDatabaseUrl: string;
  /** Events per second, published steadily in 10 ms ticks (default 1000). */
  rate?: number;
  /** Measured seconds after the warm-up (default 5). */
  durationSec?: number;
  /** Seconds published but not measured (default 1). */
  warmupSec?: number;
  /** Ordering keys the events spread over (default 100). */
  keys?: number;
  /** JetStream namespace, so the bench never touches the platform's streams (default: a fresh one). */
  namespace?: string;
  logger?: Logger;
}

export interface EventLagResult {
  backend: EventBackend;
  /** Asked-for events per second. */
  rate: number;
  /** Events published per second, measured. */
  publishedRate: number;
  /** Events measured (after the warm-up). */
  events: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Events published but without an effect when the bench gave up waiting (should be 0). */
  missing: number;
}

/** Stamps each transaction's commit: the lag ends when the effect is visible, not when the handler returns. */
class CommitClock extends Database {
  readonly sentAt = new WeakMap<Queryable, number>();
  readonly lags: number[] = [];
  measureFrom = Number.POSITIVE_INFINITY;
  effects = 0;

  override async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    let client: Queryable | undefined;
    const result = await super.transaction((tx) => {
      client = tx;
      return work(tx);
    });
    const sent = client && this.sentAt.get(client);
    if (client && sent !== undefined) {
      this.sentAt.delete(client);
      this.effects += 1;
      if (sent >= this.measureFrom) this.lags.push(performance.now() - sent);
    }
    return result;
  }
}

/**
 * Publish-to-effect lag of one bus backend at a steady rate: events go
 * straight to bus.publish (the relay's own poll interval is not the bus's
 * lag), a consumer group applies each through the inbox in its own database,
 * and the lag of an event is from just before its publish call to the commit
 * of its effect. Producer and consumer share this process, so one clock
 * serves both (no skew).
 */
export async function measureEventLag(options: EventLagOptions): Promise<EventLagResult> {
  const logger =
    options.logger ?? createLogger({ service: 'bench', instance: 'event-lag', region: 'local', level: 'warn' });
  const bus = openBus(options, logger);
  const db = new CommitClock({ connectionString: options.consumerDatabaseUrl, max: 10, acquireTimeoutMs: 5000 });
  const topic = `lag-${randomUUID().slice(0, 8)}`;
  try {
    await bus.ready();
    await db.query(`${INBOX_TABLE_SQL.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS')}
      CREATE TABLE IF NOT EXISTS bench_effects (event_id uuid PRIMARY KEY, key text NOT NULL)`);
    const consumer = startConsumer({
      log: bus,
      group: 'bench',
      topics: [topic],
      db,
      logger,
      handle: async (event, tx) => {
        await tx.query('INSERT INTO bench_effects (event_id, key) VALUES ($1, $2)', [event.id, event.key]);
        db.sentAt.set(tx, Number(event.payload.sentAt));
      },
    });
    try {
      const run = await publishSteadily(bus, topic, db, options);
      const deadline = performance.now() + 30_000;
      while (db.effects < run.published && performance.now() < deadline) await sleep(20);
      return {
        backend: options.backend,
        rate: options.rate ?? 1000,
        publishedRate: run.publishedRate,
        events: run.measured,
        ...percentiles(db.lags),
        missing: run.published - db.effects,
      };
    } finally {
      await consumer.stop();
    }
  } finally {
    if (bus instanceof JetStreamBus && options.namespace === undefined)
      await bus.destroyNamespace().catch(() => undefined);
    await bus.close();
    await db.query('DROP TABLE IF EXISTS bench_effects').catch(() => undefined);
    await db.close();
  }
}

/** The backend's bus, in a namespace of its own so the bench never touches the platform's streams. */
function openBus(options: EventLagOptions, logger: Logger): EventBus {
  const bus = createEventBus(
    options.backend === 'jetstream'
      ? { NATS_URL: options.natsUrl }
      : { EVENTS_DATABASE_URL: options.eventsDatabaseUrl },
    { logger, poolMax: 4, namespace: options.namespace ?? `bench${randomUUID().slice(0, 8)}`, name: 'bench-event-lag' },
  );
  if (!bus)
    throw new Error(
      `measureEventLag: ${options.backend} needs ${options.backend === 'jetstream' ? 'natsUrl' : 'eventsDatabaseUrl'}`,
    );
  return bus;
}

/**
 * Publishes at the asked rate in 10 ms ticks, through the warm-up and the
 * measured window; events sent from `db.measureFrom` on are the measured ones.
 */
async function publishSteadily(
  bus: EventBus,
  topic: string,
  db: CommitClock,
  options: EventLagOptions,
): Promise<{ published: number; measured: number; publishedRate: number }> {
  const rate = options.rate ?? 1000;
  const warmupMs = (options.warmupSec ?? 1) * 1000;
  const measureMs = (options.durationSec ?? 5) * 1000;
  const keys = options.keys ?? 100;
  await bus.publish(topic, [envelope(0, keys, performance.now())]);
  const start = performance.now();
  db.measureFrom = start + warmupMs;
  let published = 1;
  let measured = 0;
  for (let n = 0; ;) {
    const elapsed = performance.now() - start;
    if (elapsed >= warmupMs + measureMs) break;
    const due = Math.floor((elapsed / 1000) * rate) - n;
    if (due > 0) {
      const sentAt = performance.now();
      await bus.publish(
        topic,
        Array.from({ length: due }, (_, i) => envelope(n + i + 1, keys, sentAt)),
      );
      n += due;
      published += due;
      if (sentAt >= db.measureFrom) measured += due;
    }
    await sleep(10);
  }
  const publishedRate = (published - 1) / ((performance.now() - start) / 1000);
  return { published, measured, publishedRate: Math.round(publishedRate) };
}

function envelope(n: number, keys: number, sentAt: number): Envelope {
  const key = `key-${n % keys}`;
  return {
    id: randomUUID(),
    type: 'bench.tick',
    version: 1,
    key,
    aggregateId: key,
    producer: 'bench',
    occurredAt: new Date().toISOString(),
    payload: { n, sentAt },
  };
}

function percentiles(values: number[]): Pick<EventLagResult, 'p50Ms' | 'p90Ms' | 'p99Ms' | 'maxMs'> {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN) * 100) / 100;
  return { p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: at(1) };
}
