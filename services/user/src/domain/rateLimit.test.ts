import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countInWindow, takeToken, type Bucket, type WindowCount } from './rateLimit.ts';

const window = { max: 5, windowMs: 60_000 };

test('five sign-ups per address per window, the sixth refused until the window ends', () => {
  let state: WindowCount | undefined;
  for (let i = 0; i < 5; i++) {
    const verdict = countInWindow(state, 1000 * i, window);
    assert.ok(verdict.allowed, `sign-up ${i + 1}`);
    state = verdict.next;
  }
  assert.deepEqual(countInWindow(state, 10_000, window), { allowed: false, retryAfterSec: 50 });
  const next = countInWindow(state, 60_000, window);
  assert.ok(next.allowed);
  assert.deepEqual(next.next, { count: 1, windowStartedAt: 60_000 });
});

test('the instance bucket admits a burst, then perSec, and says when the next token comes', () => {
  const policy = { perSec: 20, burst: 20 };
  let bucket: Bucket | undefined;
  for (let i = 0; i < 20; i++) {
    const verdict = takeToken(bucket, 0, policy);
    assert.ok(verdict.allowed, `token ${i + 1}`);
    bucket = verdict.next;
  }
  assert.deepEqual(takeToken(bucket, 0, policy), { allowed: false, retryAfterSec: 1 });
  const later = takeToken(bucket, 50, policy);
  assert.ok(later.allowed, 'one token refilled after 50 ms at 20/s');
  assert.equal(takeToken(later.next, 50, policy).allowed, false);
});
