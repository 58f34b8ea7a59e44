import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slowStartWeight } from './slowStart.ts';

test('the weight climbs from the minimum to 1 over the window, linearly by default', () => {
  const policy = { slowStartMs: 10_000, slowStartMinWeight: 0.1 };
  assert.equal(slowStartWeight(policy, 0, 0), 0.1);
  assert.equal(slowStartWeight(policy, 0, 500), 0.1, 'never under the minimum');
  assert.equal(slowStartWeight(policy, 0, 5000), 0.5);
  assert.equal(slowStartWeight(policy, 0, 10_000), 1);
  assert.equal(slowStartWeight(policy, 0, 60_000), 1);
});

test('a higher aggression ramps faster early; no start known, or a zero window, is full weight', () => {
  assert.ok(Math.abs(slowStartWeight({ slowStartAggression: 2 }, 0, 2500) - 0.5) < 1e-9, 'sqrt(0.25)');
  assert.equal(slowStartWeight({}, undefined, 0), 1);
  assert.equal(slowStartWeight({ slowStartMs: 0 }, 0, 0), 1);
  assert.equal(slowStartWeight({}, 5000, 4000), 0.1, 'not yet back in rotation: the minimum');
});
