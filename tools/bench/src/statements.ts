// Statements each service's database ran per checkout, from pg_stat_statements
// (the bench platform's embedded PostgreSQL loads it with --statements). A
// count is exact where CPU per request is noisy: a change that saves a round
// trip shows here whatever the machine was doing.
import { Database } from '@shop/data';

export interface StatementCounts {
  checkouts: number;
  /** Per checkout, by service database (the part of its name after the platform's prefix). Background pollers included. */
  perCheckout: Record<string, number>;
  total: number;
  /** The most frequent statements, per checkout. */
  top: Array<{ service: string; perCheckout: number; query: string }>;
}

export interface StatementCounter {
  /** Forgets what ran so far. */
  reset(): Promise<void>;
  /** What ran since reset(), divided by `checkouts`. */
  read(checkouts: number): Promise<StatementCounts>;
  close(): Promise<void>;
}

export async function countStatements(adminUrl: string, prefix = 'shop'): Promise<StatementCounter> {
  const db = new Database({
    connectionString: adminUrl,
    max: 1,
    acquireTimeoutMs: 5000,
    applicationName: 'bench-statements',
  });
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const service = (database: string): string => database.replace(new RegExp(`^${prefix}_`), '');
  const per = (calls: number, checkouts: number): number => Math.round((10 * calls) / Math.max(1, checkouts)) / 10;
  return {
    reset: async () => void (await db.query('SELECT pg_stat_statements_reset()')),
    async read(checkouts) {
      const byDb = await db.query<{ datname: string; calls: string }>(
        `SELECT d.datname, sum(s.calls)::bigint AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
         WHERE d.datname LIKE $1 GROUP BY d.datname ORDER BY 2 DESC`,
        [`${prefix}\\_%`],
      );
      const top = await db.query<{ datname: string; calls: string; query: string }>(
        `SELECT d.datname, s.calls, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) AS query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
         WHERE d.datname LIKE $1 ORDER BY s.calls DESC LIMIT 12`,
        [`${prefix}\\_%`],
      );
      const perCheckout = Object.fromEntries(
        byDb.rows.map((r) => [service(r.datname), per(Number(r.calls), checkouts)]),
      );
      return {
        checkouts,
        perCheckout,
        total: per(
          byDb.rows.reduce((sum, r) => sum + Number(r.calls), 0),
          checkouts,
        ),
        top: top.rows.map((r) => ({
          service: service(r.datname),
          perCheckout: per(Number(r.calls), checkouts),
          query: r.query,
        })),
      };
    },
    close: () => db.close(),
  };
}
