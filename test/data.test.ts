// The data layer against every PostgreSQL we run on: an embedded cluster and the
// machine's server (127.0.0.1:5432). With CI=true an unreachable server fails.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  Database,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  PoolExhaustedError,
  dropServiceDatabases,
  migrate,
  provisionServiceDatabases,
  readMigrations,
  type ServiceDatabase,
} from '@shop/data';
import { createBaseApp, createLogger, ServiceMetrics, type BaseServiceConfig } from '@shop/platform';
import { externalServer, startEmbeddedCluster, uniquePrefix } from './support/postgres.ts';

// Spans kept in memory, with the context tracking every service has.
const spans = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracing = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
trace.setGlobalTracerProvider(tracing);

const embedded = await startEmbeddedCluster('data');
const external = await externalServer();
after(() => embedded.close());

const targets: Array<{ name: string; adminUrl: string } | { name: string; skip: string }> = [
  { name: 'embedded', adminUrl: embedded.adminUrl },
  { name: 'external 127.0.0.1:5432', ...external },
];

for (const target of targets) {
  describe(`data layer on ${target.name}`, { skip: 'skip' in target ? target.skip : false }, () => {
    if (!('adminUrl' in target)) return;
    const prefix = uniquePrefix('data');
    const services = ['user', 'order'];
    let dbs: Map<string, ServiceDatabase>;

    after(() => dropServiceDatabases({ adminUrl: target.adminUrl, services, prefix }));

    test('provisioning gives each service its own database and role, idempotently', async () => {
      const options = { adminUrl: target.adminUrl, services, prefix, password: (s: string) => `pw-${s}-${prefix}` };
      await provisionServiceDatabases(options);
      dbs = new Map((await provisionServiceDatabases(options)).map((d) => [d.service, d]));
      const user = new pg.Client({ connectionString: dbs.get('user')!.url });
      await user.connect();
      const { rows } = await user.query<{ current_user: string; current_database: string }>(
        'SELECT current_user, current_database()',
      );
      await user.end();
      assert.deepEqual(rows[0], { current_user: `${prefix}_user`, current_database: `${prefix}_user` });
    });

    test("one service's role cannot open, let alone read, another service's database", async () => {
      const owner = new pg.Client({ connectionString: dbs.get('user')!.url });
      await owner.connect();
      await owner.query('CREATE TABLE secrets (v text)');
      await owner.query("INSERT INTO secrets VALUES ('argon2 hashes')");
      await owner.end();

      const intruderUrl = new URL(dbs.get('order')!.url);
      intruderUrl.pathname = `/${prefix}_user`;
      const intruder = new pg.Client({ connectionString: intruderUrl.toString() });
      intruder.on('error', () => undefined);
      await assert.rejects(intruder.connect(), (error: { code?: string; message: string }) => {
        assert.equal(error.code, '42501', 'insufficient_privilege');
        assert.match(error.message, /permission denied for database/);
        return true;
      });
    });

    test('migrations started by five instances at once are each applied exactly once', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'shop-migrations-'));
      await writeFile(
        join(dir, '001_counter.sql'),
        'CREATE TABLE counter (n integer NOT NULL); INSERT INTO counter VALUES (0);',
      );
      await writeFile(join(dir, '002_bump.sql'), 'UPDATE counter SET n = n + 1; SELECT pg_sleep(0.05);');
      const migrations = await readMigrations(pathToFileURL(`${dir}/`));
      const pools = Array.from(
        { length: 5 },
        () => new Database({ connectionString: dbs.get('order')!.url, max: 2, acquireTimeoutMs: 5000 }),
      );
      try {
        const applied = await Promise.all(pools.map((db) => migrate(db, migrations)));
        assert.deepEqual(applied.flat().sort(), [1, 2], 'each version applied by exactly one instance');
        const { rows } = await pools[0]!.query<{ n: number }>('SELECT n FROM counter');
        assert.equal(rows[0]!.n, 1);
      } finally {
        await Promise.all(pools.map((db) => db.close()));
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('a migration edited after it was applied is refused', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'shop-migrations-'));
      await writeFile(
        join(dir, '001_counter.sql'),
        'CREATE TABLE counter (n integer NOT NULL); INSERT INTO counter VALUES (0); -- edited',
      );
      const db = new Database({ connectionString: dbs.get('order')!.url, max: 1, acquireTimeoutMs: 5000 });
      try {
        await assert.rejects(
          migrate(db, await readMigrations(pathToFileURL(`${dir}/`))),
          /was changed after it was applied/,
        );
      } finally {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('a connection lost mid-transaction fails that transaction, not the process', async () => {
      const db = new Database({ connectionString: dbs.get('user')!.url, max: 2, acquireTimeoutMs: 2000 });
      const admin = new pg.Client({ connectionString: target.adminUrl });
      await admin.connect();
      try {
        const failed = db.transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          // The server ends this session while we are between two queries (as a restart would).
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          await sleep(200);
          await tx.query('SELECT 1');
        });
        await assert.rejects(failed, DatabaseUnavailableError);
        assert.equal(
          (await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one,
          1,
          'the pool opens a fresh connection afterwards',
        );
      } finally {
        await admin.end();
        await db.close();
      }
    });

    test('an exhausted pool answers 503 + Retry-After quickly instead of hanging', async () => {
      const db = new Database({ connectionString: dbs.get('user')!.url, max: 1, acquireTimeoutMs: 200 });
      const config = { INSTANCE_ID: 'user-t', REGION: 'us-east', BODY_LIMIT_BYTES: 1_048_576 } as BaseServiceConfig;
      const app = createBaseApp(config, {
        service: 'user',
        db,
        logger: createLogger({ service: 'user', instance: 'user-t', region: 'us-east', level: 'silent' }),
        metrics: new ServiceMetrics({ service: 'user', instance: 'user-t', region: 'us-east' }),
        lifecycle: { draining: false },
      });
      app.get('/work', async () => (await db.query('SELECT 1 AS one')).rows[0]);
      try {
        assert.equal((await app.inject({ url: '/work' })).statusCode, 200);
        const holding = db.withClient(() => sleep(1500));
        const started = performance.now();
        const response = await app.inject({ url: '/work' });
        const elapsed = performance.now() - started;
        assert.equal(response.statusCode, 503);
        assert.equal(response.headers['retry-after'], '1');
        assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(response.json().code, 'POOL_EXHAUSTED');
        assert.ok(elapsed < 1500, `answered before the holder let go (${Math.round(elapsed)} ms)`);
        await holding;
        await assert.rejects(Promise.all([db.withClient(() => sleep(400)), db.query('SELECT 1')]), PoolExhaustedError);
      } finally {
        await app.close();
        await db.close();
      }
    });

    test('a statement past the statement timeout answers 503 + Retry-After, not 500, alone or in a transaction', async () => {
      const db = new Database({
        connectionString: dbs.get('user')!.url,
        max: 2,
        acquireTimeoutMs: 1000,
        statementTimeoutMs: 100,
      });
      const config = { INSTANCE_ID: 'user-t', REGION: 'us-east', BODY_LIMIT_BYTES: 1_048_576 } as BaseServiceConfig;
      const app = createBaseApp(config, {
        service: 'user',
        db,
        logger: createLogger({ service: 'user', instance: 'user-t', region: 'us-east', level: 'silent' }),
        metrics: new ServiceMetrics({ service: 'user', instance: 'user-t', region: 'us-east' }),
        lifecycle: { draining: false },
      });
      app.get('/slow', async () => (await db.query('SELECT pg_sleep(1)')).rows[0]);
      try {
        await assert.rejects(db.query('SELECT pg_sleep(1)'), DatabaseTimeoutError);
        await assert.rejects(
          db.transaction((tx) => tx.query('SELECT pg_sleep(1)')),
          DatabaseTimeoutError,
        );
        const response = await app.inject({ url: '/slow' });
        assert.equal(response.statusCode, 503);
        assert.equal(response.headers['retry-after'], '1');
        assert.equal(response.json().code, 'DEPENDENCY_UNAVAILABLE');
        assert.equal((await db.query('SELECT 1 AS one')).rows[0]!.one, 1, 'the pool still works');
      } finally {
        await app.close();
        await db.close();
      }
    });

    test('a parameterised statement is prepared once per connection, and outlives a change of its table', async () => {
      const db = new Database({ connectionString: dbs.get('user')!.url, max: 1, acquireTimeoutMs: 2000 });
      try {
        await db.query('CREATE TABLE prepared_probe (id int PRIMARY KEY, a text)');
        await db.query("INSERT INTO prepared_probe VALUES (1, 'one')");
        const select = 'SELECT * FROM prepared_probe WHERE id = $1';
        for (let i = 0; i < 3; i++) assert.deepEqual((await db.query(select, [1])).rows, [{ id: 1, a: 'one' }]);
        // The pool's one connection, as a transaction hands it out: the statement prepared there, run four times.
        const prepared = await db.transaction(async (tx) => {
          await tx.query(select, [1]);
          return (
            await tx.query<{ statement: string; runs: number }>(
              'SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements',
            )
          ).rows;
        });
        assert.deepEqual(
          prepared.map((r) => [r.statement, Number(r.runs)]),
          [[select, 4]],
        );

        // SELECT * prepared before a column was added fails with 0A000 on that connection: outside a transaction it is run again, renamed.
        await db.query('ALTER TABLE prepared_probe ADD COLUMN b int');
        assert.deepEqual((await db.query(select, [1])).rows, [{ id: 1, a: 'one', b: null }]);
        // Inside one the error has aborted the transaction; the next attempt prepares afresh.
        await db.query('ALTER TABLE prepared_probe DROP COLUMN b');
        await assert.rejects(
          db.transaction((tx) => tx.query(select, [1])),
          { code: '0A000' },
        );
        assert.deepEqual((await db.transaction((tx) => tx.query(select, [1]))).rows, [{ id: 1, a: 'one' }]);
      } finally {
        await db.close();
      }
    });
  });
}

test('statements are traced within the work they serve; a poller with no trace of its own makes no spans', async () => {
  const db = new Database({ connectionString: embedded.adminUrl, max: 1, acquireTimeoutMs: 2000 });
  const work = (): Promise<unknown> =>
    Promise.all([db.query('SELECT $1::int AS n', [1]), db.transaction((tx) => tx.query('SELECT 1'))]);
  try {
    spans.reset();
    await work();
    await tracing.forceFlush();
    assert.deepEqual(
      spans.getFinishedSpans().map((s) => s.name),
      [],
      'no trace, no spans',
    );

    const request = trace.getTracer('test').startSpan('GET /work');
    await context.with(trace.setSpan(context.active(), request), work);
    request.end();
    await tracing.forceFlush();
    const finished = spans.getFinishedSpans();
    assert.deepEqual(finished.map((s) => s.name).sort(), ['GET /work', 'db.query', 'db.transaction']);
    assert.ok(
      finished
        .filter((s) => s.name.startsWith('db.'))
        .every((s) => s.parentSpanContext?.spanId === request.spanContext().spanId),
      "the request's children",
    );
  } finally {
    await db.close();
  }
});
