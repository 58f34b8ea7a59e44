import type { Database, Queryable } from '@shop/data';
import { judgeExistingKey, type KeyVerdict } from '../domain/idempotency.ts';
import type { IdempotencyKeys, KeyAttachment } from '../domain/ports.ts';

interface KeyRow {
  fingerprint: string;
  state: 'in_flight' | 'done';
  order_id: string | null;
  response_status: number | null;
  response_body: unknown;
  lock_expired: boolean;
  expired: boolean;
}

/**
 * Checkout idempotency keys in this service's database, per user. A key is
 * claimed `in_flight` with a short lock that its holder renews while it works;
 * the finished response is stored with it and replayed for `ttlHours`. A
 * holder that died stops renewing, loses the key within `lockMs`, and the
 * next retry carries its work on.
 */
export class IdempotencyStore implements IdempotencyKeys {
  readonly #db: Database;
  readonly #ttlHours: number;
  readonly #lockMs: number;

  constructor(db: Database, options: { ttlHours: number; lockMs: number }) {
    this.#db = db;
    this.#ttlHours = options.ttlHours;
    this.#lockMs = options.lockMs;
  }

  async begin(userId: string, key: string, fingerprint: string): Promise<KeyVerdict> {
    return this.#db.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO idempotency_keys (user_id, key, fingerprint, state, locked_until, expires_at)
         VALUES ($1, $2, $3, 'in_flight', ${this.#lockUntil('$4')}, now() + make_interval(hours => $5))
         ON CONFLICT (user_id, key) DO NOTHING`,
        [userId, key, fingerprint, this.#lockMs, this.#ttlHours],
      );
      if (inserted.rowCount === 1) return { kind: 'proceed' } as const;
      const { rows } = await client.query<KeyRow>(
        `SELECT fingerprint, state, order_id, response_status, response_body, locked_until < now() AS lock_expired, expires_at < now() AS expired
         FROM idempotency_keys WHERE user_id = $1 AND key = $2 FOR UPDATE`,
        [userId, key],
      );
      const row = rows[0];
      if (!row) return { kind: 'in_flight' } as const; // deleted between the two statements: the client retries
      if (row.expired) {
        await client.query(
          `UPDATE idempotency_keys SET fingerprint = $3, state = 'in_flight', order_id = NULL, response_status = NULL, response_body = NULL,
             locked_until = ${this.#lockUntil('$4')}, created_at = now(), expires_at = now() + make_interval(hours => $5)
           WHERE user_id = $1 AND key = $2`,
          [userId, key, fingerprint, this.#lockMs, this.#ttlHours],
        );
        return { kind: 'proceed' } as const;
      }
      const verdict = judgeExistingKey(
        {
          fingerprint: row.fingerprint,
          state: row.state,
          orderId: row.order_id,
          responseStatus: row.response_status,
          responseBody: row.response_body,
          lockExpired: row.lock_expired,
        },
        fingerprint,
      );
      if (verdict.kind === 'take_over') {
        await client.query(
          `UPDATE idempotency_keys SET locked_until = ${this.#lockUntil('$3')} WHERE user_id = $1 AND key = $2`,
          [userId, key, this.#lockMs],
        );
      }
      return verdict;
    });
  }

  async complete(userId: string, key: string, answer: { status: number; body: unknown }): Promise<void> {
    await this.#db.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2`,
      [userId, key, answer.status, JSON.stringify(answer.body)],
    );
  }

  /**
   * Renews the key's lock every third of it while the holder works, so
   * duplicates keep waiting instead of taking over; call the result when done.
   * A missed renewal (database briefly away) only risks an early take-over,
   * which the saga's own lease makes harmless.
   */
  hold(userId: string, key: string): () => void {
    const timer = setInterval(
      () => {
        this.#db
          .query(
            `UPDATE idempotency_keys SET locked_until = ${this.#lockUntil('$3')} WHERE user_id = $1 AND key = $2 AND state = 'in_flight'`,
            [userId, key, this.#lockMs],
          )
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(this.#lockMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The request failed before it changed anything: the key is free for a corrected retry. */
  async abandon(userId: string, key: string): Promise<void> {
    await this.#db.query(
      `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND state = 'in_flight' AND order_id IS NULL`,
      [userId, key],
    );
  }

  /** Something broke after the order existed: let the next retry take over at once. */
  async unlock(userId: string, key: string): Promise<void> {
    await this.#db.query(
      `UPDATE idempotency_keys SET locked_until = now() WHERE user_id = $1 AND key = $2 AND state = 'in_flight'`,
      [userId, key],
    );
  }

  async purgeExpired(): Promise<number> {
    const { rowCount } = await this.#db.query('DELETE FROM idempotency_keys WHERE expires_at < now()');
    return rowCount ?? 0;
  }

  #lockUntil(param: string): string {
    return `now() + make_interval(secs => ${param}::double precision / 1000)`;
  }
}

/** Ties a key to the order it created, in the transaction that created it. */
export class SqlKeyAttachment implements KeyAttachment {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async attachOrder(userId: string, key: string, orderId: string): Promise<void> {
    await this.#db.query('UPDATE idempotency_keys SET order_id = $3 WHERE user_id = $1 AND key = $2', [
      userId,
      key,
      orderId,
    ]);
  }
}
