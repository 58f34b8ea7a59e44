// Read replicas against real streaming replication: the machine's PostgreSQL
// and a replica of it that .ci/run starts (scripts/replica.sh). With CI=true an
// unreachable replica is a failure, not a skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { ConsistencyTracker, Database, ReadRouter, parseLsn } from '@shop/data';
import { EXTERNAL_URL } from '../support/postgres.ts';
import { repoRoot, waitFor } from '../support/launcher.ts';

const run = promisify(execFile);
const REPLICA_URL = process.env.TEST_REPLICA_URL ?? 'postgres://postgres@127.0.0.1:5442/postgres';
const REPLICA_DIR = process.env.TEST_REPLICA_DIR ?? '/tmp/shop-replica-5442';

async function reachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return rows[0]?.r ? undefined : `${url} is not a standby`;
  } catch (error) {
    return `${url} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const problem = await reachable(REPLICA_URL);
if (problem && process.env.CI === 'true') throw new Error(`${problem} (CI=true: start it with scripts/replica.sh start)`);

describe('read replicas with read-your-writes', { skip: problem ?? false }, () => {
  const table = `replica_test_${randomBytes(4).toString('hex')}`;
  let primary: Database;
  let router: ReadRouter;
  let replica: pg.Client;

  before(async () => {
    primary = new Database({ connectionString: EXTERNAL_URL, max: 5, acquireTimeoutMs: 2000 });
    router = new ReadRouter(primary, [REPLICA_URL], { pollIntervalMs: 50 });
    replica = new pg.Client({ connectionString: REPLICA_URL });
    replica.on('error', () => undefined); // it is killed on purpose below
    await replica.connect();
    await primary.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
    await waitFor('the replica to have the table', async () => ((await replica.query(`SELECT to_regclass('${table}') AS t`)).rows[0].t ? true : undefined), 10_000);
    await waitFor('the router to know the replica', () => Promise.resolve(router.status()[0]?.replayLsn ? true : undefined), 5000);
  });

  after(async () => {
    await replica.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await replica.end().catch(() => undefined);
    await primary.query(`DROP TABLE IF EXISTS ${table}`);
    await router.close();
    await primary.close();
  });

  test('plain reads are served by the replica', async () => {
    const { rows } = await router.read<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    assert.equal(rows[0]!.standby, true);
  });

  test('with the replica held behind, a read after a write is never stale: it goes to the primary', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    const tracker = new ConsistencyTracker();
    await primary.query(`INSERT INTO ${table} VALUES (1, 'fresh')`);
    tracker.noteWrite('user-1', await router.positionAfterWrite());
    await router.poll();
    const replayed = router.status()[0]!.replayLsn!;
    assert.ok(parseLsn(replayed) < parseLsn(tracker.minLsnFor('user-1')!), 'the replica really is behind the write');
    assert.equal((await replica.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n, 0, 'the replica does not have the row');

    for (let i = 0; i < 20; i++) {
      const { rows } = await router.read<{ v: string; standby: boolean }>(`SELECT v, pg_is_in_recovery() AS standby FROM ${table} WHERE id = 1`, [], { minLsn: tracker.minLsnFor('user-1') });
      assert.deepEqual(rows, [{ v: 'fresh', standby: false }]);
    }

    await replica.query('SELECT pg_wal_replay_resume()');
    const served = await waitFor(
      'the replica to catch up and serve the read',
      async () => {
        const { rows } = await router.read<{ v: string; standby: boolean }>(`SELECT v, pg_is_in_recovery() AS standby FROM ${table} WHERE id = 1`, [], { minLsn: tracker.minLsnFor('user-1') });
        assert.equal(rows[0]?.v, 'fresh', 'never stale, whoever serves it');
        return rows[0]?.standby ? rows[0] : undefined;
      },
      10_000,
    );
    assert.deepEqual(served, { v: 'fresh', standby: true });
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pid = Number((await readFile(`${REPLICA_DIR}/postmaster.pid`, 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stop = true;
    await Promise.all(loops);
    assert.ok(reads > 50, `reads went on (${reads})`);
    assert.equal(failures, 0);
    assert.equal(router.status()[0]!.healthy, false, 'the dead replica is out of rotation');
    // Leave a working replica for whatever runs next.
    await run('bash', [`${repoRoot}/scripts/replica.sh`, 'start'], { timeout: 60_000 });
  });
});
