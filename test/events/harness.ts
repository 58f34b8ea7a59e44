import { Database, provisionServiceDatabases } from '@shop/data';
import { OUTBOX_TABLE_SQL, createPgEventLog, migrateEventLog, type PgEventLog } from '@shop/events';
import { createLogger, type Logger } from '@shop/platform';
import { uniquePrefix, type TestCluster } from '../support/postgres.ts';

export const logger: Logger = createLogger({ service: 'events-test', instance: 'events-test', region: 'us-east', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface EventsWorld {
  log: PgEventLog;
  producer: Database;
  consumer: Database;
  close(): Promise<void>;
}

/** A fresh events database (migrated), a producer database with an outbox, a consumer database with an inbox and an effects table. */
export async function createWorld(cluster: TestCluster, label: string): Promise<EventsWorld> {
  const prefix = uniquePrefix(label);
  const dbs = await provisionServiceDatabases({ adminUrl: cluster.adminUrl, services: ['events', 'producer', 'consumer'], prefix, password: () => `pw-${prefix}` });
  const url = (service: string): string => dbs.find((d) => d.service === service)!.url;
  await Promise.all([migrateEventLog({ connectionString: url('events') }), migrateEventLog({ connectionString: url('events') })]);
  const log = createPgEventLog({ connectionString: url('events'), logger });
  const producer = new Database({ connectionString: url('producer'), max: 4, acquireTimeoutMs: 5000 });
  const consumer = new Database({ connectionString: url('consumer'), max: 4, acquireTimeoutMs: 5000 });
  await producer.query(OUTBOX_TABLE_SQL);
  await consumer.query(`CREATE TABLE processed_events (event_id uuid PRIMARY KEY, processed_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE effects (n bigserial PRIMARY KEY, event_id uuid NOT NULL, key text NOT NULL, seq integer NOT NULL);`);
  return {
    log,
    producer,
    consumer,
    close: async () => {
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
