import type { Queryable } from '@shop/data';
import type { ThrottleRepository } from '../domain/ports.ts';
import { counterId, type ThrottleKey, type ThrottleScope, type ThrottleState } from '../domain/throttle.ts';

interface Row {
  scope: ThrottleScope;
  subject: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
  lockouts: number;
}

/** The login_throttle table, on the caller's transaction. */
export class SqlThrottle implements ThrottleRepository {
  readonly #q: Queryable;

  constructor(q: Queryable) {
    this.#q = q;
  }

  /**
   * Reads the counters, locked for the transaction. A missing counter is created
   * first (empty), so two first attempts cannot both start from nothing and lose
   * a count. Keys are taken in one order, and every key is locked before any is
   * written: a counter deleted by a success that committed while we waited for
   * it is created again and locked, never left to be inserted later out of
   * order (two logins of one account deadlocked so under a sign-up flood).
   */
  async lock(keys: readonly ThrottleKey[], now: number): Promise<Map<string, ThrottleState>> {
    const sorted = [...keys].sort((a, b) => (counterId(a) < counterId(b) ? -1 : 1));
    const states = new Map<string, ThrottleState>();
    for (const key of sorted) {
      const row = await this.#lockRow(key, now);
      states.set(counterId(key), {
        failures: row.failures,
        windowStartedAt: row.window_started_at.getTime(),
        lockedUntil: row.locked_until?.getTime(),
        lockouts: row.lockouts,
      });
    }
    return states;
  }

  async #lockRow(key: ThrottleKey, now: number): Promise<Row> {
    for (;;) {
      await this.#q.query(
        'INSERT INTO login_throttle (scope, subject, window_started_at) VALUES ($1, $2, $3) ON CONFLICT (scope, subject) DO NOTHING',
        [key.scope, key.subject, new Date(now)],
      );
      const { rows } = await this.#q.query<Row>(
        'SELECT scope, subject, failures, window_started_at, locked_until, lockouts FROM login_throttle WHERE scope = $1 AND subject = $2 FOR UPDATE',
        [key.scope, key.subject],
      );
      if (rows[0]) return rows[0];
    }
  }

  async save(key: ThrottleKey, state: ThrottleState | undefined): Promise<void> {
    if (!state) {
      await this.#q.query('DELETE FROM login_throttle WHERE scope = $1 AND subject = $2', [key.scope, key.subject]);
      return;
    }
    await this.#q.query(
      `INSERT INTO login_throttle (scope, subject, failures, window_started_at, locked_until, lockouts) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (scope, subject) DO UPDATE SET failures = $3, window_started_at = $4, locked_until = $5, lockouts = $6`,
      [
        key.scope,
        key.subject,
        state.failures,
        new Date(state.windowStartedAt),
        state.lockedUntil === undefined ? null : new Date(state.lockedUntil),
        state.lockouts,
      ],
    );
  }
}
