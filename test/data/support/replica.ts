// The machine's streaming replica (scripts/replica.sh) for replica tests:
// is it there, hold its replay back, kill or stop it, bring it back.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { ReadRouter, onReplica, type Database } from '@shop/data';
import { repoRoot } from '../../support/launcher.ts';

const run = promisify(execFile);

export const REPLICA_URL = process.env.TEST_REPLICA_URL ?? 'postgres://postgres@127.0.0.1:5442/postgres';
export const REPLICA_DIR = process.env.TEST_REPLICA_DIR ?? '/tmp/shop-replica-5442';

async function problemWith(url: string): Promise<string | undefined> {
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

/** Why replica tests cannot run (a skip reason), or false. With CI=true a missing replica throws instead. */
export async function replicaSkip(): Promise<string | false> {
  const problem = await problemWith(REPLICA_URL);
  if (problem && process.env.CI === 'true')
    throw new Error(`${problem} (CI=true: start it with scripts/replica.sh start)`);
  return problem ?? false;
}

/** A superuser session on the replica, for pg_wal_replay_pause()/resume(). Survives the replica being killed on purpose. */
export async function replicaAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: REPLICA_URL });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** SIGKILL to the replica's postmaster: the crash case. */
export async function killReplica(): Promise<void> {
  const pid = Number((await readFile(`${REPLICA_DIR}/postmaster.pid`, 'utf8')).split('\n')[0]);
  process.kill(pid, 'SIGKILL');
}

/** A fast shutdown (sessions are terminated), as an operator stopping it would. */
export async function stopReplica(): Promise<void> {
  await run('bash', [`${repoRoot}/scripts/replica.sh`, 'stop'], { timeout: 60_000 });
}

/** A fresh replica, so whatever runs next still has one. */
export async function restartReplica(): Promise<void> {
  await run('bash', [`${repoRoot}/scripts/replica.sh`, 'start'], { timeout: 120_000 });
}

/**
 * A service's read router as bootService makes it, polling fast: over the
 * primary only without `replicaUrl` (an admin URL of the replica), else also
 * over the service's own database on it, which serves nothing before it has
 * the schema the primary has now.
 */
export async function routerFor(
  db: Database,
  databaseUrl: string,
  replicaUrl: string | undefined,
): Promise<ReadRouter> {
  const reads = new ReadRouter(db, replicaUrl ? [onReplica(databaseUrl, replicaUrl)] : [], { pollIntervalMs: 50 });
  if (replicaUrl) reads.requireAtLeast(await reads.positionAfterWrite());
  return reads;
}
