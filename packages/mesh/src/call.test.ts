import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendSet, type Backend } from './backends.ts';
import { makeCall, type CallTarget } from './call.ts';
import type { CallPlan } from './attempt.ts';
import { AttemptFailure } from './failure.ts';
import { createPolicies } from './policies.ts';
import { defaultMeshPolicy } from './policy.ts';
import { readWhole } from './readWhole.ts';
import { RetryBudget } from './retryBudget.ts';
import { AdaptiveThrottle } from './throttle.ts';
import { MeshError, type RawPeerResponse } from './types.ts';

/** A call whose attempts are `attempt`, under the default policies with no backoff to speak of. */
function callWith(attempt: (plan: CallPlan) => Promise<RawPeerResponse>): ReturnType<typeof makeCall> {
  const policy = { ...defaultMeshPolicy, backoff: { initialMs: 1, maxMs: 1 } };
  const budget = new RetryBudget({ ratio: 1, minRetriesPerSec: 100, ttlMs: 10_000 });
  const target: CallTarget = {
    service: 'product',
    caller: 'order',
    backends: new BackendSet(['http://a', 'http://b'], policy.ejection),
    budget,
    throttle: new AdaptiveThrottle(),
    pipeline: createPolicies(policy, budget).pipeline,
    attempt,
    callTimeoutMs: 1000,
    halfOpenAfterMs: 30_000,
    now: Date.now,
  };
  return makeCall(target);
}

test('GET is idempotent and hedgeable; a keyed POST idempotent only; a plain POST neither', async () => {
  const plans: CallPlan[] = [];
  const call = callWith((plan) => {
    plans.push({ ...plan });
    return Promise.reject(new AttemptFailure('reset', 'x', { retryable: false }));
  });
  await call({ method: 'GET', path: '/' }, false).catch(() => undefined);
  await call({ method: 'POST', path: '/', headers: { 'idempotency-key': 'k' } }, false).catch(() => undefined);
  await call({ method: 'POST', path: '/' }, false).catch(() => undefined);
  assert.deepEqual(
    plans.map((p) => [p.idempotent, p.hedgeable]),
    [
      [true, true],
      [true, false],
      [false, false],
    ],
  );
});

test('the last 5xx is handed over as the answer when no retry did better', async () => {
  let attempts = 0;
  const call = callWith(() => {
    attempts += 1;
    const answer = { status: 503, headers: {}, body: Buffer.from('busy'), upstream: 'http://a' };
    return Promise.reject(new AttemptFailure('status', '503', { retryable: true, answer }));
  });
  const response = await call({ method: 'GET', path: '/' }, false);
  assert.equal(attempts, 3);
  assert.equal(response.status, 503);
  assert.equal((await readWhole(response.body)).toString(), 'busy');
});

test('a call that ends in timeouts is DEADLINE_EXCEEDED; in broken connections DEPENDENCY_UNAVAILABLE', async () => {
  const failing = (kind: 'timeout' | 'reset') =>
    callWith(() => Promise.reject(new AttemptFailure(kind, `${kind}!`, { retryable: false })));
  await assert.rejects(failing('timeout')({ method: 'GET', path: '/' }, false), (error: unknown) => {
    assert.ok(error instanceof MeshError);
    assert.equal(error.code, 'DEADLINE_EXCEEDED');
    return true;
  });
  await assert.rejects(failing('reset')({ method: 'GET', path: '/' }, false), { code: 'DEPENDENCY_UNAVAILABLE' });
});

test('a retry prefers an instance not yet tried, and counts as the next attempt', async () => {
  const seen: Array<[number, number]> = [];
  const call = callWith((plan) => {
    seen.push([plan.attempts, plan.tried.size]);
    plan.tried.add({ url: `http://${plan.attempts}` } as Backend);
    return Promise.reject(new AttemptFailure('refused', 'x', { retryable: true }));
  });
  await call({ method: 'POST', path: '/' }, false).catch(() => undefined);
  assert.deepEqual(seen, [
    [1, 0],
    [2, 1],
    [3, 0],
  ]);
});
