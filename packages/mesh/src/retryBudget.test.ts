import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from './retryBudget.ts';

test('at a 50% failure rate, retries add at most 20% to the load (plus the per-second floor)', () => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSec: 5, ttlMs: 10_000, now: () => now });
  let seed = 42;
  const fails = (): boolean => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31 < 0.5; // every attempt, first or retry, fails half the time
  };
  let attempts = 0;
  const requests = 10_000;
  for (let i = 0; i < requests; i++) {
    now = i; // 1000 requests per second for 10 seconds
    budget.recordRequest();
    attempts += 1;
    let failed = fails();
    for (let retry = 0; failed && retry < 2 && budget.tryRetry(); retry++) {
      attempts += 1;
      failed = fails();
    }
  }
  const seconds = requests / 1000;
  assert.ok(attempts <= requests * 1.2 + 5 * seconds, `attempts ${attempts} within budget`);
  assert.ok(attempts > requests * 1.15, `the budget is used, not starved (${attempts})`);
});

test('a quiet client can still retry thanks to the floor', () => {
  let now = 0;
  const budget = new RetryBudget({ ratio: 0.2, minRetriesPerSec: 2, ttlMs: 10_000, now: () => now });
  budget.recordRequest();
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), false);
  now = 1000;
  assert.equal(budget.tryRetry(), true);
});
