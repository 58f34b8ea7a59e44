import type pg from 'pg';
import {
  Database,
  DatabaseUnavailableError,
  PoolExhaustedError,
  type Queryable,
  type QueryResultRow,
} from './database.ts';
import { formatLsn, parseLsn } from './lsn.ts';
import { PrimaryTimeline } from './replicaLag.ts';

export type ReplicaState = 'ok' | 'lagging' | 'down';

export interface ReplicaStatus {
  /** Without credentials. */
  url: string;
  /** ok: serves reads; lagging: reachable but past a lag bound; down: unreachable, not a standby, or not polled yet. */
  state: ReplicaState;
  /** Reachable and a standby (it may still be lagging). */
  healthy: boolean;
  replayLsn: string | undefined;
  /** WAL the primary has written that the replica has not replayed, at the last poll. */
  lagBytes: number | undefined;
  /** How long ago the primary first had WAL the replica still has not replayed (see PrimaryTimeline). */
  lagSeconds: number | undefined;
}

export interface ReadRouterOptions {
  /** How often each replica's replay position is read (default 200 ms). */
  pollIntervalMs?: number;
  /** A replica further behind than this many bytes is not used (default 16 MiB). */
  maxLagBytes?: number;
  /** A replica further behind than this many seconds is not used (default 5). */
  maxLagSeconds?: number;
  /** A replica that failed is left alone this long (default 2 s). */
  quarantineMs?: number;
  /** Each replica's pool (defaults: 5 connections, 500 ms acquire, 5 s statements). */
  pool?: { max?: number; acquireTimeoutMs?: number; statementTimeoutMs?: number; applicationName?: string };
  now?: () => number;
}

export type ReadTarget = 'replica' | 'primary';

/** Where a read ran, and a lower bound of the WAL position its data reflects (undefined: unknown). */
export interface ReadSource {
  target: ReadTarget;
  position: string | undefined;
}

export interface ReadOptions {
  /** Only a replica that has replayed past this position may serve the read (read-your-writes). */
  minLsn?: string;
  /** Run the work in one read-only transaction (for SET LOCAL, or several consistent queries). */
  transaction?: boolean;
}

/** Reads served since start: by a replica, by the primary, and how many of the latter fell back from a replica. */
export interface ReadStats {
  replica: number;
  primary: number;
  fallbacks: number;
}

/** What code that only reads needs; ReadRouter implements it, tests fake it. */
export interface Reads {
  read<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
    options?: ReadOptions,
  ): Promise<pg.QueryResult<R>>;
  withReader<T>(work: (q: Queryable, source: ReadSource) => Promise<T>, options?: ReadOptions): Promise<T>;
}

interface Replica {
  url: string;
  db: Database;
  /** Its own connection for polls, so a busy read pool does not look like a dead replica. */
  probe: Database;
  standby: boolean;
  replayLsn: bigint | undefined;
  lagBytes: number | undefined;
  lagSeconds: number | undefined;
  quarantinedUntil: number;
}

const CURRENT_LSN = 'SELECT pg_current_wal_lsn()::text AS lsn';

/**
 * Reads go to streaming replicas, writes to the primary, with read-your-writes:
 * a caller that wrote passes the position of its write (`positionAfterWrite()`
 * after the commit) as `minLsn`, and its reads go to a replica only once that
 * replica has replayed past it, otherwise to the primary. Replay positions are
 * polled; since they only move forward, a polled one that is far enough is proof.
 *
 * Never a failed read because of a replica: one that is unreachable, not a
 * standby, lagging past `maxLagBytes`/`maxLagSeconds` or with a saturated pool
 * is skipped, and a replica read that fails for any of those reasons (or is
 * cancelled by a recovery conflict) is run again on the primary. So `work`
 * must be safe to run twice: reads are.
 *
 * With no replica URLs every read goes to the primary and nothing is polled.
 */
export class ReadRouter implements Reads {
  readonly primary: Database;
  readonly #replicas: Replica[];
  readonly #options: { pollIntervalMs: number; maxLagBytes: number; maxLagSeconds: number; quarantineMs: number };
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #timeline = new PrimaryTimeline();
  readonly #stats: ReadStats = { replica: 0, primary: 0, fallbacks: 0 };
  #floor: bigint | undefined;
  #primaryLsn: bigint | undefined;
  #polling: Promise<void> | undefined;
  #next = 0;

  constructor(primary: Database, replicaUrls: readonly string[], options: ReadRouterOptions = {}) {
    this.primary = primary;
    this.#now = options.now ?? Date.now;
    this.#options = {
      pollIntervalMs: options.pollIntervalMs ?? 200,
      maxLagBytes: options.maxLagBytes ?? 16 * 1024 * 1024,
      maxLagSeconds: options.maxLagSeconds ?? 5,
      quarantineMs: options.quarantineMs ?? 2000,
    };
    const pool = options.pool ?? {};
    const statementTimeoutMs = pool.statementTimeoutMs ?? 5000;
    this.#replicas = replicaUrls.map((url) => ({
      url,
      db: new Database({
        connectionString: url,
        max: pool.max ?? 5,
        acquireTimeoutMs: pool.acquireTimeoutMs ?? 500,
        statementTimeoutMs,
        // A frozen replica does not enforce its own statement timeout.
        queryTimeoutMs: statementTimeoutMs + 1000,
        applicationName: pool.applicationName ?? 'replica-reader',
      }),
      probe: new Database({
        connectionString: url,
        max: 1,
        acquireTimeoutMs: 1000,
        statementTimeoutMs: 1000,
        queryTimeoutMs: 2000,
        applicationName: 'replica-probe',
      }),
      standby: false,
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

  get hasReplicas(): boolean {
    return this.#replicas.length > 0;
  }

  /** The primary's WAL position now: after a committed write, at or past its commit record. */
  async positionAfterWrite(): Promise<string> {
    const { rows } = await this.primary.query<{ lsn: string }>(CURRENT_LSN);
    this.#sawPrimaryAt(parseLsn(rows[0]!.lsn));
    return rows[0]!.lsn;
  }

  /**
   * No replica serves any read before it has replayed `lsn` (e.g. the
   * position after this instance's migrations: a replica without the new
   * schema must not answer queries written for it).
   */
  requireAtLeast(lsn: string): void {
    const value = parseLsn(lsn);
    if (this.#floor === undefined || value > this.#floor) this.#floor = value;
  }

  read<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
    options: ReadOptions = {},
  ): Promise<pg.QueryResult<R>> {
    return this.withReader((q) => q.query<R>(text, values), options);
  }

  async withReader<T>(work: (q: Queryable, source: ReadSource) => Promise<T>, options: ReadOptions = {}): Promise<T> {
    const floor = this.#floorWith(options.minLsn);
    const replica = this.#choose(floor);
    if (replica) {
      try {
        const result = await run(
          replica.db,
          work,
          { target: 'replica', position: formatLsn(replica.replayLsn!) },
          options.transaction,
        );
        this.#stats.replica += 1;
        return result;
      } catch (error) {
        // A busy pool or a cancelled query says nothing about the replica's health; an unreachable one does.
        if (error instanceof DatabaseUnavailableError)
          replica.quarantinedUntil = this.#now() + this.#options.quarantineMs;
        else if (!(error instanceof PoolExhaustedError) && !isRecoveryConflict(error)) throw error;
        this.#stats.fallbacks += 1;
      }
    }
    this.#stats.primary += 1;
    return run(
      this.primary,
      work,
      { target: 'primary', position: floor === undefined ? undefined : formatLsn(floor) },
      options.transaction,
    );
  }

  /** Reads every replica's replay position and lag (also on a timer; one poll at a time). */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    const polledAt = this.#now();
    try {
      const lsn = parseLsn((await this.primary.query<{ lsn: string }>(CURRENT_LSN)).rows[0]!.lsn);
      this.#sawPrimaryAt(lsn);
      this.#timeline.record(polledAt, lsn);
    } catch {
      // The primary's outage is its own pool's business; replicas are still polled.
    }
    await Promise.all(this.#replicas.map((replica) => this.#pollReplica(replica)));
    const known = this.#replicas.filter((r) => r.standby && r.replayLsn !== undefined).map((r) => r.replayLsn!);
    if (known.length === this.#replicas.length && known.length > 0)
      this.#timeline.prune(known.reduce((a, b) => (a < b ? a : b)));
  }

  status(): ReplicaStatus[] {
    return this.#replicas.map((r) => ({
      url: r.url.replace(/\/\/[^@]*@/, '//'),
      state: this.#stateOf(r),
      healthy: this.#reachable(r),
      replayLsn: r.replayLsn === undefined ? undefined : formatLsn(r.replayLsn),
      lagBytes: r.lagBytes,
      lagSeconds: r.lagSeconds,
    }));
  }

  stats(): ReadStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#polling;
    await Promise.all(this.#replicas.flatMap((r) => [r.db.close(), r.probe.close()]));
  }

  async #pollReplica(replica: Replica): Promise<void> {
    try {
      const { rows } = await replica.probe.query<{ lsn: string | null; standby: boolean }>(
        'SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_is_in_recovery() AS standby',
      );
      const row = rows[0];
      // A promoted or misconfigured "replica" is not one: its data follows another history.
      replica.standby = row?.standby === true && row.lsn !== null;
      if (!replica.standby) {
        replica.replayLsn = undefined;
        return;
      }
      replica.replayLsn = parseLsn(row!.lsn!);
      replica.lagBytes =
        this.#primaryLsn === undefined ? undefined : Math.max(0, Number(this.#primaryLsn - replica.replayLsn));
      replica.lagSeconds = this.#timeline.lagMs(replica.replayLsn, this.#now()) / 1000;
    } catch {
      replica.quarantinedUntil = this.#now() + this.#options.quarantineMs;
    }
  }

  #sawPrimaryAt(lsn: bigint): void {
    if (this.#primaryLsn === undefined || lsn > this.#primaryLsn) this.#primaryLsn = lsn;
  }

  #floorWith(minLsn: string | undefined): bigint | undefined {
    let requested = minLsn === undefined ? undefined : parseLsn(minLsn);
    // A position far past anything the primary has written is not from a real write
    // (a forged token): honouring it would pin that caller to the primary and label
    // what it reads as newer than it is.
    if (
      requested !== undefined &&
      this.#primaryLsn !== undefined &&
      requested > this.#primaryLsn + BigInt(this.#options.maxLagBytes)
    )
      requested = undefined;
    if (requested === undefined) return this.#floor;
    return this.#floor === undefined || requested > this.#floor ? requested : this.#floor;
  }

  #reachable(r: Replica): boolean {
    return r.quarantinedUntil <= this.#now() && r.standby && r.replayLsn !== undefined;
  }

  #stateOf(r: Replica): ReplicaState {
    if (!this.#reachable(r)) return 'down';
    if ((r.lagBytes ?? 0) > this.#options.maxLagBytes || (r.lagSeconds ?? 0) > this.#options.maxLagSeconds)
      return 'lagging';
    return 'ok';
  }

  #choose(floor: bigint | undefined): Replica | undefined {
    const usable = this.#replicas.filter(
      (r) => this.#stateOf(r) === 'ok' && (floor === undefined || r.replayLsn! >= floor) && !saturated(r.db),
    );
    if (usable.length === 0) return undefined;
    return usable[this.#next++ % usable.length];
  }
}

function run<T>(
  db: Database,
  work: (q: Queryable, source: ReadSource) => Promise<T>,
  source: ReadSource,
  transaction: boolean | undefined,
): Promise<T> {
  return transaction ? db.transaction((tx) => work(tx, source)) : work(db, source);
}

/** Every connection busy and queries already queueing: send this read elsewhere rather than wait. */
function saturated(db: Database): boolean {
  const stats = db.stats();
  return stats.total >= stats.max && stats.idle === 0 && stats.waiting > 0;
}

/** A standby cancelling a query because replay needed its rows (40001 / 57014 with conflict text). */
function isRecoveryConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /conflict with recovery/i.test(message);
}
