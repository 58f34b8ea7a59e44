import type { Queryable } from '@shop/data';
import type { SignUpCounts } from '../domain/ports.ts';
import type { WindowCount } from '../domain/rateLimit.ts';

interface Row {
  signups: number;
  window_started_at: Date;
}

/** The signup_throttle table: sign-ups counted per client address, on the caller's transaction (or the primary). */
export class SqlSignUpCounts implements SignUpCounts {
  readonly #q: Queryable;

  constructor(q: Queryable) {
    this.#q = q;
  }

  read(address: string): Promise<WindowCount | undefined> {
    return this.#select(address, '');
  }

  /** A missing row is created first, so two first sign-ups cannot both start from nothing. */
  async lock(address: string, now: number): Promise<WindowCount | undefined> {
    await this.#q.query(
      'INSERT INTO signup_throttle (address, signups, window_started_at) VALUES ($1, 0, $2) ON CONFLICT (address) DO NOTHING',
      [address, new Date(now)],
    );
    return this.#select(address, 'FOR UPDATE');
  }

  async save(address: string, count: WindowCount): Promise<void> {
    await this.#q.query('UPDATE signup_throttle SET signups = $2, window_started_at = $3 WHERE address = $1', [
      address,
      count.count,
      new Date(count.windowStartedAt),
    ]);
  }

  /** The address's count, read plainly or (`FOR UPDATE`) locked for the transaction. */
  async #select(address: string, lock: '' | 'FOR UPDATE'): Promise<WindowCount | undefined> {
    const { rows } = await this.#q.query<Row>(
      `SELECT signups, window_started_at FROM signup_throttle WHERE address = $1 ${lock}`,
      [address],
    );
    const row = rows[0];
    return row && { count: row.signups, windowStartedAt: row.window_started_at.getTime() };
  }
}
