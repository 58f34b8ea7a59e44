/**
 * Login throttling decisions: pure functions over one counter. Every admitted
 * attempt is counted up front, as if it will fail, so a burst of parallel
 * guesses cannot slip past the limit while their hashes are being checked; a
 * success then resets or refunds it. Two kinds of counter
 * (docs/decisions/0004-login-throttling.md):
 * - hard locks (`admit`), only where the counted party is the one guessing: a
 *   client address, and one account from one address;
 * - a progressive delay (`delayAttempt`) for an account across all addresses,
 *   which slows a distributed guesser without letting anyone lock a victim out.
 */
export interface ThrottlePolicy {
  /** Counted attempts within the window after which the subject is locked. */
  maxFailures: number;
  /** Quiet time after the window start (or the last lock) that forgives everything. */
  windowMs: number;
  /** First lock; each further lock in the same window doubles, up to maxLockMs. */
  baseLockMs: number;
  maxLockMs: number;
}

export interface ThrottleState {
  failures: number;
  windowStartedAt: number;
  lockedUntil: number | undefined;
  lockouts: number;
}

export type Admission = { allowed: true; next: ThrottleState } | { allowed: false; retryAfterSec: number };

export function freshState(now: number): ThrottleState {
  return { failures: 0, windowStartedAt: now, lockedUntil: undefined, lockouts: 0 };
}

/** The state as it stands at `now`: a quiet window forgives all failures and past locks. */
export function currentState(
  state: ThrottleState | undefined,
  now: number,
  policy: Pick<ThrottlePolicy, 'windowMs'>,
): ThrottleState {
  if (!state) return freshState(now);
  const lastActivity = Math.max(state.windowStartedAt, state.lockedUntil ?? Number.NEGATIVE_INFINITY);
  return now - lastActivity >= policy.windowMs ? freshState(now) : state;
}

export function lockDurationMs(lockouts: number, policy: ThrottlePolicy): number {
  return Math.min(policy.baseLockMs * 2 ** Math.min(lockouts, 30), policy.maxLockMs);
}

/** Admit an attempt (counting it) or refuse it while the subject is locked. */
export function admit(state: ThrottleState | undefined, now: number, policy: ThrottlePolicy): Admission {
  const s = currentState(state, now, policy);
  if (s.lockedUntil !== undefined && s.lockedUntil > now) {
    return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((s.lockedUntil - now) / 1000)) };
  }
  const failures = s.failures + 1;
  if (failures < policy.maxFailures) return { allowed: true, next: { ...s, failures } };
  return {
    allowed: true,
    next: { ...s, failures, lockedUntil: now + lockDurationMs(s.lockouts, policy), lockouts: s.lockouts + 1 },
  };
}

/**
 * A successful attempt gives back the count it was charged; a lock that the
 * refund brings below the limit is lifted (it was set by this very attempt).
 */
export function refund(state: ThrottleState, policy: ThrottlePolicy): ThrottleState {
  const failures = Math.max(0, state.failures - 1);
  if (state.lockedUntil === undefined || failures >= policy.maxFailures) return { ...state, failures };
  return { ...state, failures, lockedUntil: undefined, lockouts: Math.max(0, state.lockouts - 1) };
}

export interface DelayPolicy {
  /** Counted attempts within the window that are not delayed (the user service counts an account's failing addresses, not their attempts). */
  freeAttempts: number;
  /** Quiet time after the window start that forgives everything. */
  windowMs: number;
  /** The first delayed attempt waits this long; each further one twice the last, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Charges an attempt (up front, like `admit`) and says how long it must wait
 * before its password is checked: nothing for the first `freeAttempts` of the
 * window, then base x 2^k, capped. Never refuses: the right password always
 * gets in, at most maxDelayMs late.
 */
export function delayAttempt(
  state: ThrottleState | undefined,
  now: number,
  policy: DelayPolicy,
): { delayMs: number; next: ThrottleState } {
  const s = currentState(state, now, policy);
  const over = s.failures - policy.freeAttempts;
  const delayMs = over < 0 ? 0 : Math.min(policy.baseDelayMs * 2 ** Math.min(over, 30), policy.maxDelayMs);
  return { delayMs, next: { ...s, failures: s.failures + 1 } };
}

/**
 * The login counters: `ip` a client address (hard lock), `account_ip` one
 * account from one address (hard lock; subject "<address> <account>", an
 * address has no space), `account` an account across all addresses (delay only).
 */
export type ThrottleScope = 'account' | 'ip' | 'account_ip';
export interface ThrottleKey {
  scope: ThrottleScope;
  subject: string;
}

/** A counter's one name (and the order counters are locked in). */
export function counterId(key: ThrottleKey): string {
  return `${key.scope}:${key.subject}`;
}
