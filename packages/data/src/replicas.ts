import type pg from 'pg';
import { Database, DatabaseUnavailableError, type QueryResultRow } from './database.ts';

/** A WAL position as PostgreSQL prints it ("16/B374D848"), comparable as a number. */
export function parseLsn(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  if (high === undefined || low === undefined || !/^[0-9A-Fa-f]+$/.test(high) || !/^[0-9A-Fa-f]+$/.test(low)) throw new Error(`Not an LSN: ${lsn}`);
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

export interface ReplicaStatus {
  url: string;
  healthy: boolean;
  replayLsn: string | undefined;
  lagBytes: number | undefined;
  lagSeconds: number | undefined;
}

export interface ReadRouterOptions {
  /** How often each replica's replay position is read. */
  pollIntervalMs?: number;
  /** A replica further behind than this is not used at all. */
  maxLagBytes?: number;
  /** A replica that failed is left alone this long. */
  quarantineMs?: number;
  now?: () => number;
}

interface Replica {
  url: string;
  db: Database;
  replayLsn: bigint | undefined;
  lagBytes: number | undefined;
  lagSeconds: number | undefined;
  quarantinedUntil: number;
}

/**
 * Reads go to streaming replicas, writes to the primary, with read-your-writes:
 * a caller that wrote passes the LSN of its write (`positionAfterWrite()`), and
 * its reads go to a replica only once that replica has replayed past it,
 * otherwise to the primary. Replay positions are polled, and since they only
 * move forward a cached one that is far enough is proof. A replica that errors
 * or lags past `maxLagBytes` is skipped, and a failed replica read is retried
 * on the primary, so losing a replica fails no request.
 */
export class ReadRouter {
  readonly primary: Database;
  readonly #replicas: Replica[];
  readonly #options: Required<Omit<ReadRouterOptions, 'now'>>;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  #next = 0;

  constructor(primary: Database, replicaUrls: string[], options: ReadRouterOptions = {}) {
    this.primary = primary;
    this.#now = options.now ?? Date.now;
    this.#options = { pollIntervalMs: options.pollIntervalMs ?? 200, maxLagBytes: options.maxLagBytes ?? 16 * 1024 * 1024, quarantineMs: options.quarantineMs ?? 2000 };
    this.#replicas = replicaUrls.map((url) => ({
      url,
      db: new Database({ connectionString: url, max: 5, acquireTimeoutMs: 500, statementTimeoutMs: 5000, applicationName: 'replica-reader' }),
      replayLsn: undefined,
      lagBytes: undefined,
      lagSeconds: undefined,
      quarantinedUntil: 0,
    }));
    if (this.#replicas.length > 0) {
      this.#timer = setInterval(() => void this.poll(), this.#options.pollIntervalMs);
      this.#timer.unref();
      void this.poll();
    }
  }

  /** The primary's WAL position now: after a committed write, at or past its commit record. */
  async positionAfterWrite(): Promise<string> {
    const { rows } = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return rows[0]!.lsn;
  }

  async read<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], options: { minLsn?: string } = {}): Promise<pg.QueryResult<R>> {
    const replica = this.#choose(options.minLsn === undefined ? undefined : parseLsn(options.minLsn));
    if (replica) {
      try {
        return await replica.db.query<R>(text, values);
      } catch (error) {
        if (!(error instanceof DatabaseUnavailableError) && !isRecoveryConflict(error)) throw error;
        replica.quarantinedUntil = this.#now() + this.#options.quarantineMs;
      }
    }
    return this.primary.query<R>(text, values);
  }

  /** Reads every replica's replay position and lag (also on a timer). */
  async poll(): Promise<void> {
    let primaryLsn: bigint | undefined;
    try {
      primaryLsn = parseLsn((await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn);
    } catch {
      primaryLsn = undefined;
    }
    await Promise.all(
      this.#replicas.map(async (replica) => {
        try {
          const { rows } = await replica.db.query<{ lsn: string | null; seconds: number | null }>(
            'SELECT pg_last_wal_replay_lsn()::text AS lsn, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS seconds',
          );
          const lsn = rows[0]?.lsn;
          replica.replayLsn = lsn ? parseLsn(lsn) : undefined;
          replica.lagBytes = replica.replayLsn !== undefined && primaryLsn !== undefined ? Math.max(0, Number(primaryLsn - replica.replayLsn)) : undefined;
          replica.lagSeconds = rows[0]?.seconds ?? undefined;
          if (replica.replayLsn === undefined) replica.quarantinedUntil = this.#now() + this.#options.quarantineMs; // not a replica
        } catch {
          replica.quarantinedUntil = this.#now() + this.#options.quarantineMs;
        }
      }),
    );
  }

  status(): ReplicaStatus[] {
    return this.#replicas.map((r) => ({
      url: r.url.replace(/\/\/[^@]*@/, '//'),
      healthy: r.quarantinedUntil <= this.#now(),
      replayLsn: r.replayLsn === undefined ? undefined : `${(r.replayLsn >> 32n).toString(16).toUpperCase()}/${(r.replayLsn & 0xffffffffn).toString(16).toUpperCase()}`,
      lagBytes: r.lagBytes,
      lagSeconds: r.lagSeconds,
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.#replicas.map((r) => r.db.close()));
  }

  #choose(minLsn: bigint | undefined): Replica | undefined {
    const now = this.#now();
    const usable = this.#replicas.filter(
      (r) => r.quarantinedUntil <= now && r.replayLsn !== undefined && (r.lagBytes === undefined || r.lagBytes <= this.#options.maxLagBytes) && (minLsn === undefined || r.replayLsn >= minLsn),
    );
    if (usable.length === 0) return undefined;
    return usable[this.#next++ % usable.length];
  }
}

/** A standby cancelling a query because replay needed its rows (40001 / 57014 with conflict text). */
function isRecoveryConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /conflict with recovery/i.test(message);
}

/**
 * Remembers, per user, the WAL position of their latest write, for a while.
 * Per instance: a user whose next request lands on another instance may read
 * from a replica that is behind; the gateway can make that sticky later.
 */
export class ConsistencyTracker {
  readonly #positions = new Map<string, { lsn: string; until: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs = 30_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  noteWrite(key: string, lsn: string): void {
    this.#positions.set(key, { lsn, until: this.#now() + this.#ttlMs });
  }

  minLsnFor(key: string): string | undefined {
    const entry = this.#positions.get(key);
    if (!entry) return undefined;
    if (entry.until < this.#now()) {
      this.#positions.delete(key);
      return undefined;
    }
    return entry.lsn;
  }
}
