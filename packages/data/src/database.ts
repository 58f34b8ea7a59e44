import pg from 'pg';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { PreparingClient } from './preparedStatements.ts';

const tracer = trace.getTracer('shop-data');

/**
 * A statement is traced as part of the work it serves (a request, an event
 * being handled). Pollers, relays, heartbeats and sweepers run outside any
 * trace: each of their statements would otherwise be a trace of its own,
 * several a second per process, exported for nobody and burying the traces
 * that matter in the store.
 */
function dbSpan(name: string, attributes: Attributes): Span | undefined {
  return trace.getSpan(context.active()) === undefined
    ? undefined
    : tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
}

/**
 * A bounded pool with an acquire timeout. When every connection is busy and the
 * queue wait passes `acquireTimeoutMs`, the query fails with PoolExhaustedError
 * (the HTTP layer answers 503 + Retry-After) instead of queueing until the
 * caller gives up: the seed's Black Friday began with an exhausted pool.
 */
export interface DatabaseOptions {
  connectionString: string;
  max: number;
  acquireTimeoutMs: number;
  statementTimeoutMs?: number;
  /**
   * Client-side bound on one query: a server that stopped answering (frozen,
   * partitioned) fails the query as unavailable instead of holding it forever.
   */
  queryTimeoutMs?: number;
  applicationName?: string;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

export class PoolExhaustedError extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super('No database connection became free in time', options);
    this.name = 'PoolExhaustedError';
  }
}

export class DatabaseUnavailableError extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super('The database is unreachable', options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** A statement ran past the statement timeout: the database is too busy (or the query too slow) right now. */
export class DatabaseTimeoutError extends Error {
  constructor(options: { cause?: unknown } = {}) {
    super('The database did not answer in time', options);
    this.name = 'DatabaseTimeoutError';
  }
}

/** What both the pool and a transaction's client offer: code that only queries takes either. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}
export type QueryResultRow = pg.QueryResultRow;

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  // too_many_connections: every slot of the server is taken (a start of many instances at once, a
  // pool grown under load). It passes as connections close: a caller waits and retries, not exits.
  '53300',
]);

export class Database {
  readonly #pool: pg.Pool;
  readonly #max: number;

  constructor(options: DatabaseOptions) {
    this.#max = options.max;
    this.#pool = new pg.Pool({
      // Parameterised statements are prepared once per connection (preparedStatements.ts).
      Client: PreparingClient,
      // A query goes out without waiting for the answer to the one before it
      // on the same connection (answers still come in order). What uses it:
      // a transaction's BEGIN travels with its first statement, one round
      // trip fewer per transaction (a checkout runs about 17).
      pipeline: true,
      connectionString: options.connectionString,
      max: options.max,
      connectionTimeoutMillis: options.acquireTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName,
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.queryTimeoutMs,
      keepAlive: true,
    });
    // An idle client losing its connection (server restart) must not crash the process;
    // the pool drops it and the next query opens a new one.
    this.#pool.on('error', () => undefined);
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const span = dbSpan('db.query', {
      'db.system.name': 'postgresql',
      'db.query.text': text.length > 300 ? `${text.slice(0, 300)}…` : text,
    });
    try {
      return await this.#pool.query<R>(text, values);
    } catch (error) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw this.#classify(error);
    } finally {
      span?.end();
    }
  }

  /** Runs `work` in one transaction; rolls back on any error. */
  async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    const span = dbSpan('db.transaction', { 'db.system.name': 'postgresql' });
    const client = await this.#acquire().catch((error: unknown) => {
      span?.setStatus({ code: SpanStatusCode.ERROR });
      span?.end();
      throw error;
    });
    try {
      // Not awaited: pipelined with the work's first statement. Should it fail, so does that statement.
      const begun = client.query('BEGIN');
      begun.catch(() => undefined);
      const result = await work(client);
      await begun;
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw this.#classify(error);
    } finally {
      client.release();
      span?.end();
    }
  }

  /** Holds one connection for the duration of `work` (advisory locks, LISTEN). */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#acquire();
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      broken = error instanceof Error ? error : undefined;
      throw this.#classify(error);
    } finally {
      client.release(broken);
    }
  }

  /** Readiness: one round trip, failing fast when the server is gone. */
  async ping(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.query('SELECT 1');
  }

  /**
   * Opens up to `count` connections now (held together, then left idle in the pool), so that the
   * first requests after start find them open instead of each paying a connection set-up (a
   * fork and an authentication on the server) at the moment it is busiest. Rejects with the
   * first failure, classified as a query's would be; the connections that did open stay.
   */
  async warm(count: number): Promise<void> {
    const opened = await Promise.allSettled(Array.from({ length: Math.min(count, this.#max) }, () => this.#acquire()));
    for (const result of opened) if (result.status === 'fulfilled') result.value.release();
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  stats(): PoolStats {
    return {
      total: this.#pool.totalCount,
      idle: this.#pool.idleCount,
      waiting: this.#pool.waitingCount,
      max: this.#max,
    };
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /**
   * A checked-out client. pg-pool drops its own error listener while a client
   * is out, so a connection lost between two queries of a transaction (the
   * server restarting while we await a peer) would be an unhandled 'error'
   * event and kill the process. The listener added here keeps it an error of
   * the next query instead, and releasing destroys the broken client.
   */
  async #acquire(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#classify(error);
    }
    let lost: Error | undefined;
    const onError = (error: Error): void => {
      lost ??= error;
    };
    client.on('error', onError);
    const release = client.release.bind(client);
    client.release = (error?: Error | boolean) => {
      client.removeListener('error', onError);
      release(error ?? lost);
    };
    return client;
  }

  #classify(error: unknown): unknown {
    if (
      error instanceof PoolExhaustedError ||
      error instanceof DatabaseUnavailableError ||
      error instanceof DatabaseTimeoutError
    )
      return error;
    const message = error instanceof Error ? error.message : '';
    if (message.includes('timeout exceeded when trying to connect')) {
      return this.#pool.totalCount >= this.#max
        ? new PoolExhaustedError({ cause: error })
        : new DatabaseUnavailableError({ cause: error });
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && unavailableCodes.has(code)) return new DatabaseUnavailableError({ cause: error });
    // 57014 is also a replica's recovery conflict, which the replica router tells by its message and retries elsewhere.
    if (code === '57014' && /statement timeout/i.test(message)) return new DatabaseTimeoutError({ cause: error });
    if (/connection terminated|connection error and is not queryable|query read timeout/i.test(message))
      return new DatabaseUnavailableError({ cause: error });
    return error;
  }
}
