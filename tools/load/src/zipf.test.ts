import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seeded, zipf } from './zipf.ts';

test('zipf: rank 1 is drawn about twice as often as rank 2 (s = 1), all ranks in range', () => {
  const draw = zipf(100, 1, seeded(7));
  const counts = new Array<number>(100).fill(0);
  for (let i = 0; i < 200_000; i++) counts[draw()]! += 1;
  const ratio = counts[0]! / counts[1]!;
  assert.ok(ratio > 1.8 && ratio < 2.2, `ratio ${ratio}`);
  assert.ok(counts.every((c) => c > 0));
});

test('the seeded generator replays the same sequence', () => {
  const a = seeded(42);
  const b = seeded(42);
  assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
});
