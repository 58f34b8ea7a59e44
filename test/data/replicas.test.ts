// Read replicas against real streaming replication: the machine's PostgreSQL
// and a replica of it that .ci/run starts (scripts/replica.sh). With CI=true an
// unreachable replica is a failure, not a skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ConsistencyTracker, Database, ReadRouter, parseLsn } from '@shop/data';
import { EXTERNAL_URL, freePort } from '../support/postgres.ts';
import { waitFor } from '../support/launcher.ts';
import { REPLICA_URL, killReplica, replicaAdmin, replicaSkip, restartReplica } from './support/replica.ts';

const skip = await replicaSkip();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const STANDBY = 'SELECT pg_is_in_recovery() AS standby';

describe('read replicas with read-your-writes', { skip }, () => {
  const table = `replica_test_${randomBytes(4).toString('hex')}`;
  let primary: Database;
  let router: ReadRouter;
  let replica: pg.Client;

  before(async () => {
    primary = new Database({ connectionString: EXTERNAL_URL, max: 5, acquireTimeoutMs: 2000 });
    router = new ReadRouter(primary, [REPLICA_URL], { pollIntervalMs: 50 });
    replica = await replicaAdmin();
    await primary.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
    await waitFor(
      'the replica to have the table',
      async () => ((await replica.query(`SELECT to_regclass('${table}') AS t`)).rows[0].t ? true : undefined),
      10_000,
    );
    await waitFor(
      'the router to know the replica',
      () => Promise.resolve(router.status()[0]?.state === 'ok' ? true : undefined),
      5000,
    );
  });

  after(async () => {
    await replica.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await replica.end().catch(() => undefined);
    await primary.query(`DROP TABLE IF EXISTS ${table}`);
    await router.close();
    await primary.close();
  });

  test('plain reads are served by the replica, which says how far it had replayed', async () => {
    const { rows } = await router.read<{ standby: boolean }>(STANDBY);
    assert.equal(rows[0]!.standby, true);
    const source = await router.withReader((_q, served) => Promise.resolve(served));
    assert.equal(source.target, 'replica');
    assert.ok(source.position && parseLsn(source.position) > 0n);
  });

  test('with the replica held behind, a read after a write is never stale: it goes to the primary', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    const tracker = new ConsistencyTracker();
    await primary.query(`INSERT INTO ${table} VALUES (1, 'fresh')`);
    await tracker.noteWrite('user-1', await router.positionAfterWrite());
    const floor = await tracker.minLsnFor('user-1');
    await router.poll();
    const replayed = router.status()[0]!.replayLsn!;
    assert.ok(parseLsn(replayed) < parseLsn(floor!), 'the replica really is behind the write');
    assert.equal(
      (await replica.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n,
      0,
      'the replica does not have the row',
    );

    for (let i = 0; i < 20; i++) {
      const { rows } = await router.read<{ v: string; standby: boolean }>(
        `SELECT v, pg_is_in_recovery() AS standby FROM ${table} WHERE id = 1`,
        [],
        { minLsn: floor },
      );
      assert.deepEqual(rows, [{ v: 'fresh', standby: false }]);
    }

    await replica.query('SELECT pg_wal_replay_resume()');
    const served = await waitFor(
      'the replica to catch up and serve the read',
      async () => {
        const { rows } = await router.read<{ v: string; standby: boolean }>(
          `SELECT v, pg_is_in_recovery() AS standby FROM ${table} WHERE id = 1`,
          [],
          { minLsn: floor },
        );
        assert.equal(rows[0]?.v, 'fresh', 'never stale, whoever serves it');
        return rows[0]?.standby ? rows[0] : undefined;
      },
      10_000,
    );
    assert.deepEqual(served, { v: 'fresh', standby: true });
  });

  test('a replica lagging past the bound serves nothing, and is used again once it catches up', async () => {
    const bounded = new ReadRouter(primary, [REPLICA_URL], { pollIntervalMs: 50, maxLagSeconds: 0.3 });
    try {
      await waitFor(
        'the bounded router to use the replica',
        () => Promise.resolve(bounded.status()[0]?.state === 'ok' ? true : undefined),
        5000,
      );
      await replica.query('SELECT pg_wal_replay_pause()');
      await primary.query(`INSERT INTO ${table} VALUES (2, 'lagging')`);
      await waitFor(
        'the replica to count as lagging',
        () => Promise.resolve(bounded.status()[0]?.state === 'lagging' ? true : undefined),
        5000,
      );
      assert.ok(bounded.status()[0]!.lagSeconds! > 0.3);
      assert.ok(bounded.status()[0]!.lagBytes! > 0);
      for (let i = 0; i < 10; i++)
        assert.equal((await bounded.read<{ standby: boolean }>(STANDBY)).rows[0]!.standby, false);
      await replica.query('SELECT pg_wal_replay_resume()');
      await waitFor(
        'the replica to be used again',
        async () => ((await bounded.read<{ standby: boolean }>(STANDBY)).rows[0]!.standby ? true : undefined),
        5000,
      );
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
      await bounded.close();
    }
  });

  test('a replica whose pool is exhausted: the read goes to the primary instead of failing', async () => {
    const small = new ReadRouter(primary, [REPLICA_URL], {
      pollIntervalMs: 50,
      pool: { max: 1, acquireTimeoutMs: 200 },
    });
    try {
      await waitFor(
        'the small router to use the replica',
        () => Promise.resolve(small.status()[0]?.state === 'ok' ? true : undefined),
        5000,
      );
      const holding = small.read('SELECT pg_sleep(1.5)');
      await sleep(100);
      const results = await Promise.all(Array.from({ length: 5 }, () => small.read<{ standby: boolean }>(STANDBY)));
      assert.deepEqual(
        results.map((r) => r.rows[0]!.standby),
        [false, false, false, false, false],
      );
      assert.ok(small.stats().fallbacks >= 1, 'at least the first waited for the pool, then fell back');
      assert.equal(small.status()[0]!.state, 'ok', 'a busy replica is not a broken one');
      await holding;
    } finally {
      await small.close();
    }
  });

  test('an unreachable replica is never used and fails no read', async () => {
    const nowhere = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const router2 = new ReadRouter(primary, [nowhere], { pollIntervalMs: 50 });
    try {
      for (let i = 0; i < 10; i++)
        assert.equal((await router2.read<{ standby: boolean }>(STANDBY)).rows[0]!.standby, false);
      await router2.poll();
      assert.equal(router2.status()[0]!.state, 'down');
      assert.equal(router2.stats().replica, 0);
    } finally {
      await router2.close();
    }
  });

  test('the replica killed during reads: no read fails, they move to the primary', async () => {
    let failures = 0;
    let reads = 0;
    let stop = false;
    const loop = async (): Promise<void> => {
      while (!stop) {
        try {
          await router.read(`SELECT count(*) FROM ${table}`);
          reads += 1;
        } catch {
          failures += 1;
        }
      }
    };
    const loops = Array.from({ length: 4 }, () => loop());
    await sleep(300);
    const before = router.stats();
    assert.ok(before.replica > 0, 'the replica was serving before the kill');
    await killReplica();
    await sleep(1000);
    stop = true;
    await Promise.all(loops);
    assert.ok(reads > 50, `reads went on (${reads})`);
    assert.equal(failures, 0);
    assert.equal(router.status()[0]!.state, 'down', 'the dead replica is out of rotation');
    assert.ok(router.stats().primary > before.primary, 'the primary took over');
    // Leave a working replica for whatever runs next.
    await restartReplica();
  });
});
