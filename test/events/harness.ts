import { Database, provisionServiceDatabases } from '@shop/data';
import {
  JetStreamBus,
  OUTBOX_TABLE_SQL,
  createJetStreamBus,
  createPgEventLog,
  migrateEventLog,
  type EventBus,
  type PgEventLog,
} from '@shop/events';
import { createLogger, type Logger } from '@shop/platform';
import { uniquePrefix, type TestCluster } from '../support/postgres.ts';
import { uniqueNamespace } from './nats.ts';

export const logger: Logger = createLogger({
  service: 'events-test',
  instance: 'events-test',
  region: 'us-east',
  level: process.env.TEST_LOG_LEVEL ?? 'silent',
});

export interface EventsWorld {
  /** The PostgreSQL log (always made: PostgreSQL-only assertions look inside it). */
  log: PgEventLog;
  /** The bus under test: the JetStream bus when `nats` was given, else `log`. */
  bus: EventBus;
  /** Where the bus lives, for child processes: EVENTS_DATABASE_URL or NATS_URL plus the namespace. */
  busEnv: Record<string, string>;
  producer: Database;
  consumer: Database;
  urls: { events: string; producer: string; consumer: string };
  close(): Promise<void>;
}

/**
 * A fresh events database (migrated), a producer database with an outbox, a
 * consumer database with an inbox and an effects table; with `nats`, a
 * JetStream bus in a namespace of its own (deleted on close).
 */
export async function createWorld(
  cluster: TestCluster,
  label: string,
  options: { nats?: string } = {},
): Promise<EventsWorld> {
  const prefix = uniquePrefix(label);
  const dbs = await provisionServiceDatabases({
    adminUrl: cluster.adminUrl,
    services: ['events', 'producer', 'consumer'],
    prefix,
    password: () => `pw-${prefix}`,
  });
  const url = (service: string): string => dbs.find((d) => d.service === service)!.url;
  await Promise.all([
    migrateEventLog({ connectionString: url('events') }),
    migrateEventLog({ connectionString: url('events') }),
  ]);
  const log = createPgEventLog({ connectionString: url('events'), logger });
  const namespace = uniqueNamespace();
  const bus = options.nats ? createJetStreamBus({ servers: options.nats, namespace, logger }) : log;
  await bus.ready();
  const producer = new Database({ connectionString: url('producer'), max: 4, acquireTimeoutMs: 5000 });
  const consumer = new Database({ connectionString: url('consumer'), max: 4, acquireTimeoutMs: 5000 });
  await producer.query(OUTBOX_TABLE_SQL);
  await consumer.query(`CREATE TABLE processed_events (event_id uuid PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE effects (n bigserial PRIMARY KEY, event_id uuid NOT NULL, key text NOT NULL, seq integer NOT NULL);`);
  return {
    log,
    bus,
    busEnv: options.nats
      ? { NATS_URL: options.nats, EVENTS_NAMESPACE: namespace }
      : { EVENTS_DATABASE_URL: url('events') },
    producer,
    consumer,
    urls: { events: url('events'), producer: url('producer'), consumer: url('consumer') },
    close: async () => {
      if (bus instanceof JetStreamBus) await bus.destroyNamespace();
      if (bus !== log) await bus.close();
      await log.close();
      await producer.close();
      await consumer.close();
    },
  };
}

/** Resolves once `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function count(db: Database, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, values);
  return Number(rows[0]!.n);
}

/** Fails naming the first key whose effects are out of order. */
export function perKeyOrderViolation(rows: ReadonlyArray<{ key: string; seq: number }>): string | undefined {
  const last = new Map<string, number>();
  for (const row of rows) {
    const previous = last.get(row.key) ?? -1;
    if (row.seq <= previous) return `key ${row.key}: seq ${row.seq} after ${previous}`;
    last.set(row.key, row.seq);
  }
  return undefined;
}
