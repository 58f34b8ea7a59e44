import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from './retryBudget.ts';

/** Every attempt, first or retry, fails half the time (deterministic). */
function halfFail(): () => boolean {
  let seed = 42;
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31 < 0.5;
  };
}

/** One call: a first attempt, then up to two retries while it fails and the budget allows. Returns attempts made. */
function call(budget: RetryBudget, fails: () => boolean): number {
  budget.recordRequest();
  let attempts = 1;
  let failed = fails();
  for (let retry = 0; failed && retry < 2 && budget.tryRetry(); retry++) {
    attempts += 1;
    failed = fails();
  }
  return attempts;
}

test('after a healthy minute at 200/s, 10 s at 50% failures add at most 20% to the load (credit does not bank)', () => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSec: 10, ttlMs: 10_000, now: () => now });
  const fails = halfFail();
  for (; now < 60_000; now += 5) call(budget, () => false); // 200 requests/s, all succeed
  let requests = 0;
  let attempts = 0;
  for (; now < 70_000; now += 5) {
    requests += 1;
    attempts += call(budget, fails);
  }
  assert.equal(requests, 2000);
  assert.ok(attempts <= requests * 1.2, `load grew by ${((attempts / requests - 1) * 100).toFixed(1)}%`);
  assert.ok(attempts > requests * 1.15, `the budget is used, not starved (${attempts})`);
});

test('under a sustained 50% failure rate at 1000/s, retries add at most 20% to the load', () => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSec: 5, ttlMs: 10_000, now: () => now });
  const fails = halfFail();
  let attempts = 0;
  const requests = 30_000;
  for (let i = 0; i < requests; i++) {
    now = i; // 1000 requests per second for 30 seconds
    attempts += call(budget, fails);
  }
  assert.ok(attempts <= requests * 1.2, `attempts ${attempts} within budget`);
  assert.ok(attempts > requests * 1.15, `the budget is used, not starved (${attempts})`);
});

test('a quiet client can still retry: the floor allows minRetriesPerSec over the window', () => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSec: 2, ttlMs: 1000, buckets: 10, now: () => now });
  budget.recordRequest();
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), false);
  now = 1100; // the retries have left the window
  assert.equal(budget.tryRetry(), true);
});
