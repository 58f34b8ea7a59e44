import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { EmbeddedPostgres } from '@shop/data';

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A scratch directory the `postgres` user can traverse (PostgreSQL refuses to run as root). */
export async function scratchDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `shop-${label}-`));
  await chmod(dir, 0o755);
  return dir;
}

export interface TestCluster {
  server: EmbeddedPostgres;
  adminUrl: string;
  dir: string;
  port: number;
  close(): Promise<void>;
}

/** A real PostgreSQL from the embedded binaries, private to one test file. */
export async function startEmbeddedCluster(label: string): Promise<TestCluster> {
  const dir = await scratchDir(label);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    dataDir: join(dir, 'postgres'),
    port,
    password: randomBytes(12).toString('hex'),
  });
  const adminUrl = await server.start();
  return {
    server,
    adminUrl,
    dir,
    port,
    close: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const EXTERNAL_URL = process.env.TEST_EXTERNAL_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The machine's PostgreSQL, for running data-layer suites against a real
 * external server too. Unreachable: skipped locally, a failure when CI=true.
 */
export async function externalServer(): Promise<{ adminUrl: string } | { skip: string }> {
  const client = new pg.Client({ connectionString: EXTERNAL_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { adminUrl: EXTERNAL_URL };
  } catch (error) {
    const reason = `external PostgreSQL at ${EXTERNAL_URL} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true')
      throw new Error(`${reason} (CI=true: an unreachable engine is a failure, not a skip)`, { cause: error });
    return { skip: reason };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function uniquePrefix(label: string): string {
  return `t${label}_${randomBytes(3).toString('hex')}`;
}
