import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLoop } from './openLoop.ts';
import { Stats } from './stats.ts';

/** Stats that also keep each outcome's scheduled start, in order. */
class Recorded extends Stats {
  readonly scheduled: number[] = [];
  readonly outcomes: Array<number | undefined | 'dropped'> = [];
  override record(kind: string, startedAt: number, endedAt: number, status: number | undefined | 'dropped'): void {
    this.scheduled.push(startedAt);
    this.outcomes.push(status);
    super.record(kind, startedAt, endedAt, status);
  }
}

const gaps = (times: number[]) =>
  times
    .toSorted((a, b) => a - b)
    .slice(1)
    .map((t, i, rest) => t - (i === 0 ? times.toSorted((a, b) => a - b)[0]! : rest[i - 1]!));

test('arrivals are evenly spaced at the offered rate, and a slow server neither slows nor thins them', async () => {
  const stats = new Recorded(performance.now());
  let sent = 0;
  let answered = 0;
  // Every answer takes 300 ms: a closed loop of a few clients would send a handful; an open loop sends on schedule.
  const next = () => ({ kind: 'browse', send: async () => ((sent += 1), await sleep(300), (answered += 1), 200) });
  await openLoop({ stats, seconds: 1, rateAt: () => 200, next, maxInflight: 10_000 });
  assert.equal(answered, 200, 'it resolves once every answer is in');
  assert.equal(sent, 200, 'one arrival per 5 ms for 1 s, whatever the answers took');
  for (const gap of gaps(stats.scheduled))
    assert.ok(Math.abs(gap - 5) < 1e-6, `arrivals 5 ms apart, not in bursts (a gap of ${gap} ms)`);
  const latencies = stats.buckets.flatMap((b) => b.latencies);
  assert.equal(latencies.length, 200);
  assert.ok(
    latencies.every((ms) => ms >= 299),
    'latency runs from the scheduled start (timers may fire a hair early)',
  );
});

test('the rate may change during the run (a ramp): the spacing follows it', async () => {
  const stats = new Recorded(performance.now());
  await openLoop({
    stats,
    seconds: 1,
    rateAt: (t) => (t < 0.5 ? 100 : 400),
    next: () => ({ kind: 'browse', send: () => Promise.resolve(200) }),
    maxInflight: 10_000,
  });
  const spacing = gaps(stats.scheduled);
  assert.equal(stats.scheduled.length, 50 + 200);
  assert.ok(
    spacing.slice(0, 49).every((gap) => Math.abs(gap - 10) < 1e-6),
    'first half at 100/s',
  );
  assert.ok(
    spacing.slice(51).every((gap) => Math.abs(gap - 2.5) < 1e-6),
    'second half at 400/s',
  );
});

test('past maxInflight an arrival is dropped by the generator and counted as dropped, not as a server error', async () => {
  const stats = new Recorded(performance.now());
  let sent = 0;
  await openLoop({
    stats,
    seconds: 0.5,
    rateAt: () => 100,
    next: () => ({ kind: 'browse', send: async () => ((sent += 1), await sleep(700), 200) }),
    maxInflight: 10,
  });
  assert.equal(sent, 10);
  const sum = (f: (b: Stats['buckets'][number]) => number) => stats.buckets.reduce((s, b) => s + f(b), 0);
  assert.equal(
    sum((b) => b.offered),
    50,
  );
  assert.equal(
    sum((b) => b.dropped),
    40,
  );
  assert.equal(
    sum((b) => b.errors),
    0,
  );
  assert.equal(
    sum((b) => b.ok),
    10,
  );
});
