import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crashesAfterExit, restartDelay } from './restartPolicy.ts';

const backoff = { baseMs: 250, maxMs: 10_000, stableMs: 30_000 };

test('the restart delay doubles per crash in a row, up to the cap', () => {
  const middle = () => 0.5; // no jitter
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map((crashes) => restartDelay(crashes, backoff, middle)),
    [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});

test('the jitter spreads a delay over half to one and a half times it, so a crash wave comes back spread out', () => {
  assert.equal(
    restartDelay(3, backoff, () => 0),
    500,
  );
  assert.equal(
    restartDelay(3, backoff, () => 0.999_999),
    1500,
  );
  const delays = new Set(Array.from({ length: 20 }, (_, i) => restartDelay(1, backoff, () => i / 20)));
  assert.equal(delays.size, 20, 'twenty instances crashing together get twenty different delays');
});

test('the crash count starts over only after the instance was ready and stable, not merely alive', () => {
  // Alive for a minute but never ready (a slow start that then failed): still a crash in a row.
  assert.equal(crashesAfterExit(4, { readyAt: undefined, exitedAt: 60_000 }, backoff), 5);
  // Ready, then gone within the stable period: in a row.
  assert.equal(crashesAfterExit(4, { readyAt: 50_000, exitedAt: 60_000 }, backoff), 5);
  // Ready for the stable period: a fresh first crash.
  assert.equal(crashesAfterExit(4, { readyAt: 20_000, exitedAt: 50_000 }, backoff), 1);
});
