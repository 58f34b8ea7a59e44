import type { Queryable } from '@shop/data';
import type { WindowCount } from '../domain/rateLimit.ts';

interface Row {
  signups: number;
  window_started_at: Date;
}

function toCount(row: Row | undefined): WindowCount | undefined {
  return row && { count: row.signups, windowStartedAt: row.window_started_at.getTime() };
}

/** Sign-ups counted for a client address (unlocked: a check before the hash). */
export async function readSignUpCount(q: Queryable, address: string): Promise<WindowCount | undefined> {
  const { rows } = await q.query<Row>('SELECT signups, window_started_at FROM signup_throttle WHERE address = $1', [
    address,
  ]);
  return toCount(rows[0]);
}

/** The same, locked for the transaction (a missing row is created first, so two first sign-ups cannot both start from nothing). */
export async function lockSignUpCount(q: Queryable, address: string, now: number): Promise<WindowCount | undefined> {
  await q.query(
    'INSERT INTO signup_throttle (address, signups, window_started_at) VALUES ($1, 0, $2) ON CONFLICT (address) DO NOTHING',
    [address, new Date(now)],
  );
  const { rows } = await q.query<Row>(
    'SELECT signups, window_started_at FROM signup_throttle WHERE address = $1 FOR UPDATE',
    [address],
  );
  return toCount(rows[0]);
}

export async function saveSignUpCount(q: Queryable, address: string, state: WindowCount): Promise<void> {
  await q.query('UPDATE signup_throttle SET signups = $2, window_started_at = $3 WHERE address = $1', [
    address,
    state.count,
    new Date(state.windowStartedAt),
  ]);
}
