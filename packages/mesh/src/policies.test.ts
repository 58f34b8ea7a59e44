import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokenCircuitError } from 'cockatiel';
import { AttemptFailure } from './failure.ts';
import { createPolicies } from './policies.ts';
import { defaultMeshPolicy, type MeshPolicy } from './policy.ts';
import { RetryBudget } from './retryBudget.ts';

const policy: MeshPolicy = {
  ...defaultMeshPolicy,
  backoff: { initialMs: 1, maxMs: 1 },
  breaker: { threshold: 0.5, windowMs: 1000, minimumRps: 1, halfOpenAfterMs: 60_000 },
};
const failure = (retryable: boolean, shed = false): AttemptFailure =>
  new AttemptFailure('status', 'answered 503', { retryable, shed });
const budget = (): RetryBudget => new RetryBudget({ ratio: 0.2, minRetriesPerSec: 10, ttlMs: 10_000 });

test('a retryable failure is retried up to maxAttempts, each retry told with its number and reason', async () => {
  const retries: Array<[number, string]> = [];
  const { pipeline } = createPolicies(policy, budget(), { onRetry: (n, reason) => retries.push([n, reason.kind]) });
  let calls = 0;
  await assert.rejects(
    pipeline.execute(() => {
      calls += 1;
      throw failure(true);
    }),
    AttemptFailure,
  );
  assert.equal(calls, 3);
  assert.deepEqual(retries, [
    [1, 'status'],
    [2, 'status'],
  ]);
});

test('a failure that is not retryable is not retried', async () => {
  const { pipeline } = createPolicies(policy, budget());
  let calls = 0;
  await assert.rejects(
    pipeline.execute(() => {
      calls += 1;
      throw failure(false);
    }),
  );
  assert.equal(calls, 1);
});

test('with the budget spent, the retry is refused and said so', async () => {
  const spent = new RetryBudget({ ratio: 0, minRetriesPerSec: 0, ttlMs: 10_000 });
  let exhausted = 0;
  const { pipeline } = createPolicies(policy, spent, { onBudgetExhausted: () => (exhausted += 1) });
  let calls = 0;
  await assert.rejects(
    pipeline.execute(() => {
      calls += 1;
      throw failure(true);
    }),
  );
  assert.equal(calls, 1);
  assert.equal(exhausted, 1);
});

test('failed attempts open the breaker (onBreak); shed ones do not', async () => {
  let broke = 0;
  const shedding = createPolicies({ ...policy, maxAttempts: 1 }, budget(), { onBreak: () => (broke += 1) });
  for (let i = 0; i < 10; i++)
    await assert.rejects(shedding.pipeline.execute(() => Promise.reject(failure(false, true))));
  assert.equal(broke, 0, 'an instance shedding load is not failing');
  const failing = createPolicies({ ...policy, maxAttempts: 1 }, budget(), { onBreak: () => (broke += 1) });
  for (let i = 0; i < 10; i++)
    await failing.pipeline.execute(() => Promise.reject(failure(false))).catch(() => undefined);
  assert.equal(broke, 1);
  await assert.rejects(
    failing.pipeline.execute(() => 'ok'),
    BrokenCircuitError,
  );
});
