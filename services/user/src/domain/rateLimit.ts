/**
 * Sign-up rate limits: pure functions, the caller keeps the state.
 * - `countInWindow`: at most `max` per client address per fixed window (kept in
 *   the database, so every instance shares it). It bounds accounts made, and
 *   welcome emails sent to addresses typed in, per client.
 * - `takeToken`: a token bucket, per instance, bounding sign-ups from everyone
 *   together (each costs an argon2 hash).
 */
export interface WindowPolicy {
  max: number;
  windowMs: number;
}

export interface WindowCount {
  count: number;
  windowStartedAt: number;
}

export type Verdict<S> = { allowed: true; next: S } | { allowed: false; retryAfterSec: number };

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Counts one more in the window, or refuses until the window ends. */
export function countInWindow(state: WindowCount | undefined, now: number, policy: WindowPolicy): Verdict<WindowCount> {
  const current = !state || now - state.windowStartedAt >= policy.windowMs ? { count: 0, windowStartedAt: now } : state;
  if (current.count >= policy.max)
    return { allowed: false, retryAfterSec: seconds(current.windowStartedAt + policy.windowMs - now) };
  return { allowed: true, next: { ...current, count: current.count + 1 } };
}

export interface BucketPolicy {
  perSec: number;
  /** Tokens a full bucket holds: the burst admitted at once after a quiet spell. */
  burst: number;
}

export interface Bucket {
  tokens: number;
  at: number;
}

/** Takes a token if there is one (the bucket refills at perSec, up to burst). */
export function takeToken(bucket: Bucket | undefined, now: number, policy: BucketPolicy): Verdict<Bucket> {
  const tokens = bucket
    ? Math.min(policy.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * policy.perSec)
    : policy.burst;
  if (tokens < 1) return { allowed: false, retryAfterSec: seconds(((1 - tokens) / policy.perSec) * 1000) };
  return { allowed: true, next: { tokens: tokens - 1, at: now } };
}
