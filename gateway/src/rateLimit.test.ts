import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRateLimitStore, gcra } from './rateLimit.ts';

test('a burst is allowed up to its size, then requests are refused with Retry-After', () => {
  const store = new MemoryRateLimitStore();
  const decisions = Array.from({ length: 12 }, () => store.take('user:a', 10, 10, 1_000));
  assert.equal(decisions.filter((d) => d.allowed).length, 10);
  assert.deepEqual(decisions.map((d) => d.remaining).slice(0, 3), [9, 8, 7]);
  const refused = decisions[11]!;
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSec, 1);
});

test('capacity returns at the configured rate, not in a lump at a window edge', () => {
  const store = new MemoryRateLimitStore();
  for (let i = 0; i < 10; i++) store.take('k', 10, 10, 0);
  assert.equal(store.take('k', 10, 10, 50).allowed, false, 'half an interval later: still full');
  assert.equal(store.take('k', 10, 10, 100).allowed, true, 'one interval later: one more');
  assert.equal(store.take('k', 10, 10, 100).allowed, false);
});

test('keys are independent', () => {
  const store = new MemoryRateLimitStore();
  for (let i = 0; i < 5; i++) store.take('a', 1, 5, 0);
  assert.equal(store.take('a', 1, 5, 0).allowed, false);
  assert.equal(store.take('b', 1, 5, 0).allowed, true);
});

test('GCRA arithmetic: a steady stream at exactly the rate is always allowed', () => {
  let tat: number | undefined;
  for (let t = 0; t < 10_000; t += 100) {
    const result = gcra(tat, 10, 1, t);
    assert.equal(result.decision.allowed, true, `at ${t} ms`);
    tat = result.tatMs;
  }
});
