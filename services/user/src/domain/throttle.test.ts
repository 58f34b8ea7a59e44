import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit, delayAttempt, refund, type DelayPolicy, type ThrottlePolicy, type ThrottleState } from './throttle.ts';

const policy: ThrottlePolicy = { maxFailures: 3, windowMs: 900_000, baseLockMs: 60_000, maxLockMs: 3_600_000 };

function attempts(count: number, start: ThrottleState | undefined, now: number): ThrottleState | undefined {
  let state = start;
  for (let i = 0; i < count; i++) {
    const verdict = admit(state, now, policy);
    assert.equal(verdict.allowed, true, `attempt ${i + 1} should be admitted`);
    if (verdict.allowed) state = verdict.next;
  }
  return state;
}

test('the attempt after maxFailures is refused with the remaining lock time', () => {
  const state = attempts(3, undefined, 0);
  assert.deepEqual(admit(state, 1000, policy), { allowed: false, retryAfterSec: 59 });
});

test('each further lock within the window doubles, up to the ceiling', () => {
  let state = attempts(3, undefined, 0);
  let now = 60_000;
  const locks: number[] = [];
  for (let i = 0; i < 8; i++) {
    const verdict = admit(state, now, policy);
    assert.ok(verdict.allowed);
    state = verdict.next;
    locks.push((state.lockedUntil ?? 0) - now);
    now = state.lockedUntil ?? now;
  }
  assert.deepEqual(locks, [120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000]);
});

test('a quiet window forgives failures and past locks', () => {
  const state = attempts(3, undefined, 0);
  const later = admit(state, 60_000 + 900_000, policy);
  assert.ok(later.allowed);
  assert.equal(later.next.failures, 1);
  assert.equal(later.next.lockouts, 0);
});

test('a refund gives back the count and lifts a lock it caused', () => {
  const state = attempts(3, undefined, 0)!;
  assert.notEqual(state.lockedUntil, undefined);
  const refunded = refund(state, policy);
  assert.equal(refunded.failures, 2);
  assert.equal(refunded.lockedUntil, undefined);
  assert.equal(admit(refunded, 1000, policy).allowed, true);
});

test('a refund leaves a lock earned by enough other failures', () => {
  let state = attempts(3, undefined, 0)!;
  const verdict = admit(state, 60_000, policy);
  assert.ok(verdict.allowed);
  state = refund(verdict.next, policy);
  assert.equal(state.failures, 3);
  assert.notEqual(state.lockedUntil, undefined);
});

const delays: DelayPolicy = { freeAttempts: 3, windowMs: 900_000, baseDelayMs: 100, maxDelayMs: 2000 };

function delaysOf(count: number, now: number): number[] {
  let state: ThrottleState | undefined;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const verdict = delayAttempt(state, now, delays);
    out.push(verdict.delayMs);
    state = verdict.next;
  }
  return out;
}

test('an account across addresses: free attempts, then a delay doubling from 100 ms up to the 2 s cap, never a refusal', () => {
  assert.deepEqual(delaysOf(10, 0), [0, 0, 0, 100, 200, 400, 800, 1600, 2000, 2000]);
});

test('a quiet window forgives the delay', () => {
  let state: ThrottleState | undefined;
  for (let i = 0; i < 6; i++) state = delayAttempt(state, 0, delays).next;
  const later = delayAttempt(state, 900_000, delays);
  assert.equal(later.delayMs, 0);
  assert.equal(later.next.failures, 1);
});
