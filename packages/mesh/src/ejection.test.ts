import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendSet } from './backends.ts';
import { PassiveEjection } from './ejection.ts';

const policy = { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 1000, maxEjectionMs: 30_000 };

function setUp(): { set: BackendSet; ejection: PassiveEjection; ejected: string[] } {
  const set = new BackendSet(['http://a', 'http://b', 'http://c', 'http://d'], policy);
  const ejected: string[] = [];
  const ejection = new PassiveEjection({
    backends: set,
    threshold: 3,
    now: () => 10_000,
    listener: { onEject: (instance, reason) => ejected.push(`${instance} ${reason}`) },
  });
  return { set, ejection, ejected };
}

test('the third strike in a row ejects softly, and says why', () => {
  const { set, ejection, ejected } = setUp();
  const a = set.backends[0]!;
  ejection.strike(a, '503');
  ejection.strike(a, '503');
  assert.equal(a.ejectedUntil, 0);
  ejection.strike(a, '503');
  assert.ok(a.ejectedUntil > 10_000);
  assert.deepEqual(ejected, ['http://a 3 consecutive 503']);
});

test('an answer in between starts the count over', () => {
  const { set, ejection, ejected } = setUp();
  const a = set.backends[0]!;
  ejection.strike(a, 'timeouts');
  ejection.strike(a, 'timeouts');
  ejection.cleared(a);
  ejection.strike(a, 'timeouts');
  ejection.strike(a, 'timeouts');
  assert.equal(a.ejectedUntil, 0);
  assert.deepEqual(ejected, []);
});

test('a dropped connection ejects at once', () => {
  const { set, ejection, ejected } = setUp();
  ejection.drop(set.backends[1]!, 'ECONNREFUSED');
  assert.ok(set.backends[1]!.ejectedUntil > 10_000);
  assert.deepEqual(ejected, ['http://b ECONNREFUSED']);
});
