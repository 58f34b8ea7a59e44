// claimStale (@shop/data) against a real PostgreSQL: which rows a recovery
// job may take (matching, untouched long enough, lease run out), the lease
// it sets, and that a claimed row is not claimed again while leased.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { claimStale } from '@shop/data';
import { externalServer, uniquePrefix } from '../support/postgres.ts';

const server = await externalServer();
const skip = 'skip' in server ? server.skip : false;
const table = uniquePrefix('claim');
let pool: pg.Pool;

before(async () => {
  if (skip) return;
  pool = new pg.Pool({ connectionString: (server as { adminUrl: string }).adminUrl, max: 2 });
  await pool.query(
    `CREATE TABLE ${table} (id text PRIMARY KEY, status text NOT NULL, updated_at timestamptz NOT NULL,
       lease_until timestamptz, lease_owner text)`,
  );
  await pool.query(
    `INSERT INTO ${table} (id, status, updated_at, lease_until) VALUES
       ('old-1', 'pending', now() - interval '1 hour', NULL),
       ('old-2', 'paid', now() - interval '50 minutes', now() - interval '1 minute'),
       ('fresh', 'pending', now(), NULL),
       ('leased', 'pending', now() - interval '1 hour', now() + interval '1 hour'),
       ('done', 'confirmed', now() - interval '1 hour', NULL)`,
  );
});
after(async () => {
  if (skip) return;
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
});

const claim = (owner: string, limit = 10) =>
  claimStale<{ id: string; lease_owner: string }>(pool, {
    table,
    where: { status: ['pending', 'paid'] },
    touchedColumn: 'updated_at',
    leaseColumn: 'lease_until',
    staleAfterMs: 60_000,
    leaseMs: 30_000,
    limit,
    set: { lease_owner: owner },
    returning: 'id, lease_owner',
  });

test(
  'claims matching rows untouched long enough whose lease ran out, oldest first, up to the limit',
  { skip },
  async () => {
    const first = await claim('a', 1);
    assert.deepEqual(first, [{ id: 'old-1', lease_owner: 'a' }]);
    const rest = await claim('b');
    assert.deepEqual(
      rest,
      [{ id: 'old-2', lease_owner: 'b' }],
      'fresh, leased and non-matching rows stay; old-1 is leased now',
    );
    const { rows } = await pool.query<{ id: string; leased: boolean }>(
      `SELECT id, lease_until > now() + interval '20 seconds' AS leased FROM ${table} WHERE id IN ('old-1', 'old-2') ORDER BY id`,
    );
    assert.deepEqual(rows, [
      { id: 'old-1', leased: true },
      { id: 'old-2', leased: true },
    ]);
    assert.deepEqual(await claim('c'), [], 'nothing is claimed twice while its lease holds');
  },
);

test('refuses a table or column name that is not a plain identifier', { skip }, async () => {
  await assert.rejects(
    claimStale(pool, {
      table: `${table}; DROP TABLE x`,
      where: {},
      touchedColumn: 'updated_at',
      leaseColumn: 'lease_until',
      staleAfterMs: 1,
      leaseMs: 1,
      limit: 1,
    }),
    /plain SQL identifier/,
  );
});
