import type { Queryable } from '@shop/data';
import type { ThrottleState } from '../domain/throttle.ts';

export type ThrottleScope = 'account' | 'ip';
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
 * a count; keys are taken in one order, so two logins cannot deadlock.
 */
export async function lockCounters(q: Queryable, keys: readonly ThrottleKey[], now: number): Promise<Map<string, ThrottleState>> {
  const sorted = [...keys].sort((a, b) => (counterId(a) < counterId(b) ? -1 : 1));
  const states = new Map<string, ThrottleState>();
  for (const key of sorted) {
    await q.query('INSERT INTO login_throttle (scope, subject, window_started_at) VALUES ($1, $2, $3) ON CONFLICT (scope, subject) DO NOTHING', [key.scope, key.subject, new Date(now)]);
    const { rows } = await q.query<Row>('SELECT scope, subject, failures, window_started_at, locked_until, lockouts FROM login_throttle WHERE scope = $1 AND subject = $2 FOR UPDATE', [key.scope, key.subject]);
    const row = rows[0];
    if (row) states.set(counterId(key), { failures: row.failures, windowStartedAt: row.window_started_at.getTime(), lockedUntil: row.locked_until?.getTime(), lockouts: row.lockouts });
  }
  return states;
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
    [key.scope, key.subject, state.failures, new Date(state.windowStartedAt), state.lockedUntil === undefined ? null : new Date(state.lockedUntil), state.lockouts],
  );
}
