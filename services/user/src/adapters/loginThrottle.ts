import type { Queryable } from '@shop/data';
import type { ThrottleState } from '../domain/throttle.ts';

/**
 * The counters: `ip` a client address (hard lock), `account_ip` one account
 * from one address (hard lock; subject "<address> <account>", an address has
 * no space), `account` an account across all addresses (delay only).
 */
export type ThrottleScope = 'account' | 'ip' | 'account_ip';
export interface ThrottleKey {
  scope: ThrottleScope;
  subject: string;
}

interface Row {
  scope: ThrottleScope;
  subject: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
  lockouts: number;
}

/**
 * Reads the counters, locked for the transaction. A missing counter is created
 * first (empty), so two first attempts cannot both start from nothing and lose
 * a count. Keys are taken in one order, and every key is locked before any is
 * written: a counter deleted by a success that committed while we waited for
 * it is created again and locked, never left to be inserted later out of
 * order (two logins of one account deadlocked so under a sign-up flood).
 */
export async function lockCounters(
  q: Queryable,
  keys: readonly ThrottleKey[],
  now: number,
): Promise<Map<string, ThrottleState>> {
  const sorted = [...keys].sort((a, b) => (counterId(a) < counterId(b) ? -1 : 1));
  const states = new Map<string, ThrottleState>();
  for (const key of sorted) {
    const row = await lockRow(q, key, now);
    states.set(counterId(key), {
      failures: row.failures,
      windowStartedAt: row.window_started_at.getTime(),
      lockedUntil: row.locked_until?.getTime(),
      lockouts: row.lockouts,
    });
  }
  return states;
}

async function lockRow(q: Queryable, key: ThrottleKey, now: number): Promise<Row> {
  for (;;) {
    await q.query(
      'INSERT INTO login_throttle (scope, subject, window_started_at) VALUES ($1, $2, $3) ON CONFLICT (scope, subject) DO NOTHING',
      [key.scope, key.subject, new Date(now)],
    );
    const { rows } = await q.query<Row>(
      'SELECT scope, subject, failures, window_started_at, locked_until, lockouts FROM login_throttle WHERE scope = $1 AND subject = $2 FOR UPDATE',
      [key.scope, key.subject],
    );
    if (rows[0]) return rows[0];
  }
}

export function counterId(key: ThrottleKey): string {
  return `${key.scope}:${key.subject}`;
}

export async function saveCounter(q: Queryable, key: ThrottleKey, state: ThrottleState | undefined): Promise<void> {
  if (!state) {
    await q.query('DELETE FROM login_throttle WHERE scope = $1 AND subject = $2', [key.scope, key.subject]);
    return;
  }
  await q.query(
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
