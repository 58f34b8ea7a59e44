import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradientLimit } from './gradientLimit.ts';

/**
 * `windows` windows of 10 samples each taking `ms`, with `inFlight` in flight (default: the limit
 * of the moment, a server kept busy); the clock moves 100 ms per window.
 */
function run(limit: GradientLimit, clock: { now: number }, windows: number, ms: number, inFlight?: number): void {
  for (let w = 0; w < windows; w++) {
    clock.now += 100;
    for (let i = 0; i < 10; i++) limit.observe(ms, inFlight ?? limit.limit);
  }
}

function limitAt(initial = 20): { limit: GradientLimit; clock: { now: number } } {
  const clock = { now: 0 };
  return { limit: new GradientLimit({ initial, min: 4, max: 200, now: () => clock.now }), clock };
}

test('at its usual latency and busy, the limit grows (probing for more)', () => {
  const { limit, clock } = limitAt();
  run(limit, clock, 50, 10);
  assert.ok(limit.limit > 40, `grew to ${limit.limit}`);
  assert.ok(limit.limit <= 200, 'never past the ceiling');
});

test('when answers take three times as long as usual, the limit falls by half within 3 s; a lasting change becomes the usual', () => {
  const { limit, clock } = limitAt(100);
  run(limit, clock, 100, 10);
  const before = limit.limit;
  run(limit, clock, 30, 30);
  assert.ok(limit.limit < before / 2, `fell from ${before} to ${limit.limit}`);
  assert.ok(limit.limit >= 4, 'never below the floor');
  // Gradient2's long-run average follows a latency that lasts (a slower machine is the new normal).
  run(limit, clock, 300, 30);
  assert.ok(limit.usualMs > 15, `the usual latency moved from 10 to ${limit.usualMs.toFixed(1)} ms`);
});

test('a slow spell over, the limit recovers', () => {
  const { limit, clock } = limitAt(100);
  run(limit, clock, 100, 10);
  run(limit, clock, 30, 40);
  const low = limit.limit;
  run(limit, clock, 100, 10);
  assert.ok(limit.limit > low * 2, `back from ${low} to ${limit.limit}`);
});

test('while far fewer than the limit are in flight, latency says nothing and the limit stays', () => {
  const { limit, clock } = limitAt(50);
  run(limit, clock, 50, 10, 2);
  run(limit, clock, 50, 80, 2);
  assert.equal(limit.limit, 50);
});

test('a window needs both its samples and its time: nine samples change nothing', () => {
  const { limit, clock } = limitAt(50);
  clock.now += 1000;
  for (let i = 0; i < 9; i++) limit.observe(500, 50);
  assert.equal(limit.limit, 50);
  assert.equal(limit.usualMs, 0);
});
