import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { BackendSet } from './backends.ts';

const policy = { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 1000, maxEjectionMs: 30_000 };

test('three failed probes take a backend out; two good ones bring it back', () => {
  const set = new BackendSet(['a', 'b'], policy);
  const a = set.backends[0]!;
  set.probeResult(a, false);
  set.probeResult(a, false);
  assert.equal(a.healthy, true);
  set.probeResult(a, false);
  assert.equal(a.healthy, false);
  assert.deepEqual(
    set.available(0).map((b) => b.url),
    ['b'],
  );
  set.probeResult(a, true);
  assert.equal(a.healthy, false);
  set.probeResult(a, true);
  assert.equal(a.healthy, true);
});

test('a passive ejection removes a backend at once, for a period that doubles on repeat', () => {
  const set = new BackendSet(['a', 'b'], policy);
  const a = set.backends[0]!;
  set.eject(a, 0);
  assert.deepEqual(
    set.available(500).map((b) => b.url),
    ['b'],
  );
  assert.deepEqual(
    set.available(1000).map((b) => b.url),
    ['a', 'b'],
  );
  set.eject(a, 1000);
  assert.equal(a.ejectedUntil, 3000);
});

test('pick prefers the backend with fewer outstanding requests and skips excluded ones', () => {
  const set = new BackendSet(['a', 'b'], policy);
  set.backends[0]!.outstanding = 5;
  assert.equal(set.pick(0, new Set(), () => 0)?.url, 'b');
  assert.equal(set.pick(0, new Set([set.backends[1]!]))?.url, 'a');
  assert.equal(set.pick(0, new Set(set.backends)), undefined);
});

test('time back in rotation decays the ejection period: a healthy minute later, a failure costs the base period again', () => {
  const set = new BackendSet(['a', 'b'], policy);
  const a = set.backends[0]!;
  set.eject(a, 0); // 1 s
  set.eject(a, 1000); // 2 s, until 3000
  set.succeeded(a, 30_000);
  set.eject(a, 63_000);
  assert.equal(a.ejectedUntil, 64_000, 'base period, not 4 s');
});

test('the decay is gradual: one doubling step off per decay period in rotation', () => {
  const set = new BackendSet(['a'], { ...policy, ejectionDecayMs: 10_000 });
  const a = set.backends[0]!;
  for (const at of [0, 1000, 3000, 7000]) set.eject(a, at); // 1, 2, 4, 8 s: until 15_000
  set.eject(a, 15_000 + 10_000); // one period in rotation: 2^(4-1) s = 8 s instead of 16 s
  assert.equal(a.ejectedUntil, 25_000 + 8000);
  set.succeeded(a, 33_000 + 9999);
  set.eject(a, 33_000 + 9999); // under one period: no decay, the multiplier keeps growing
  assert.equal(a.ejectedUntil, 42_999 + 16_000);
});

test('a backend seen slow is avoided by its peak latency, then tried again as the estimate decays', () => {
  const set = new BackendSet(['fast', 'slow'], policy);
  const [fast, slow] = set.backends as [NonNullable<(typeof set.backends)[0]>, NonNullable<(typeof set.backends)[0]>];
  for (let t = 0; t < 1000; t += 10) set.observe(fast, 5, t);
  set.observe(slow, 2000, 1000); // one timeout after 2 s
  fast.outstanding = 3; // even busy, the fast one costs less
  const picks = (at: number) =>
    Array.from({ length: 100 }, (_, i) => set.pick(at, new Set(), () => (i % 2) * 0.99)?.url);
  assert.ok(
    picks(1500).every((url) => url === 'fast'),
    'the slow backend gets nothing right after',
  );
  // A minute of the fast one answering in 5 ms, nothing from the slow one: its 2000 ms decays below, and it is probed again.
  for (let t = 1000; t < 61_000; t += 10) set.observe(fast, 5, t);
  assert.ok(picks(61_000).includes('slow'), 'the slow backend is tried again later');
});

test('a dip is averaged in over time, a peak is taken at once', () => {
  const set = new BackendSet(['a'], policy);
  const a = set.backends[0]!;
  set.observe(a, 100, 0);
  assert.equal(a.latencyMs, 100);
  set.observe(a, 10, 10); // 10 ms later: barely moves
  assert.ok(a.latencyMs > 99);
  set.observe(a, 10, 60_000); // a minute later: mostly the new value
  assert.ok(a.latencyMs < 11);
  set.observe(a, 500, 60_001);
  assert.equal(a.latencyMs, 500);
});

test('soft failures take at most half the set out of rotation (one may always go); a hard failure is not held back', () => {
  const pair = new BackendSet(['a', 'b'], policy);
  const [a, b] = pair.backends as [NonNullable<(typeof pair.backends)[0]>, NonNullable<(typeof pair.backends)[0]>];
  assert.equal(pair.ejectSoft(a, 0), true);
  assert.equal(pair.ejectSoft(b, 0), false, 'b is all that is left in rotation');
  assert.deepEqual(
    pair.available(0).map((x) => x.url),
    ['b'],
  );
  pair.eject(b, 0); // refused: it is gone whatever the rest is doing
  assert.deepEqual(pair.available(0), []);
  assert.equal(pair.ejectSoft(b, 5000), true, 'once a is back in rotation, b may go');

  const four = new BackendSet(['a', 'b', 'c', 'd'], policy);
  assert.deepEqual(
    four.backends.map((x) => four.ejectSoft(x, 0)),
    [true, true, false, false],
  );
  const probed = new BackendSet(['a', 'b', 'c', 'd'], policy);
  for (let i = 0; i < 3; i++) probed.probeResult(probed.backends[0]!, false); // out by its health checks
  assert.deepEqual(
    probed.backends.slice(1).map((x) => probed.ejectSoft(x, 0)),
    [true, false, false],
    'an instance out by probes counts as out',
  );

  const lone = new BackendSet(['a'], policy);
  assert.equal(lone.ejectSoft(lone.backends[0]!, 0), true, 'a lone instance may go (the pick then falls back to it)');
});

test('with every backend out, the pick falls back to the one due back first, not the one that fails fastest', () => {
  const set = new BackendSet(['dead', 'slow'], policy);
  const [dead, slow] = set.backends as [NonNullable<(typeof set.backends)[0]>, NonNullable<(typeof set.backends)[0]>];
  set.observe(slow, 900, 0); // answers, but late
  for (const at of [0, 1000, 3000]) set.eject(dead, at); // refused again and again: out until 7000
  set.eject(slow, 3500); // one connect timeout: out until 4500
  const picks = Array.from({ length: 20 }, (_, i) => set.pick(4000, new Set(), () => (i % 2) * 0.99)?.url);
  assert.deepEqual(new Set(picks), new Set(['slow']));
  assert.equal(set.pick(4000, new Set([slow]))?.url, 'dead', 'tried already: the other is still better than nothing');
});

/** A seeded uniform source (pure-rand's xoroshiro128+), so a run of picks is the same every time. */
function seeded(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}

/**
 * `count` picks at `at`, each answered after the next `inFlight` were sent (a closed loop, so
 * outstanding counts move as they would), every backend answering in the same 10 ms: the urls picked.
 */
function picksAt(set: BackendSet, at: number, count = 4000, inFlight = 16): string[] {
  for (const b of set.backends) Object.assign(b, { latencyMs: 10, latencyAt: at });
  const random = seeded(22);
  const queue: Array<NonNullable<(typeof set.backends)[0]>> = [];
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const b = set.pick(at, new Set(), random)!;
    urls.push(b.url);
    b.outstanding += 1;
    queue.push(b);
    if (queue.length >= inFlight) queue.shift()!.outstanding -= 1;
  }
  for (const b of queue) b.outstanding -= 1;
  return urls;
}

const shareOf = (url: string, urls: string[]): number => urls.filter((u) => u === url).length / urls.length;

test('slow start: an instance new to the set gets a share that grows over the window, then its full share', () => {
  const set = new BackendSet(['a', 'b', 'c'], policy);
  picksAt(set, 0);
  set.replace(['a', 'b', 'c', 'd']);
  const shares = [60_000, 62_500, 65_000, 67_500, 70_000].map((at) => shareOf('d', picksAt(set, at)));
  for (let i = 1; i < shares.length; i++)
    assert.ok(shares[i]! > shares[i - 1]!, `share grows over the window: ${shares.join(', ')}`);
  assert.ok(shares[0]! < 0.1, `at first well under a fair quarter: ${shares[0]}`);
  assert.ok(Math.abs(shares[4]! - 0.25) < 0.03, `a fair quarter once the window has passed: ${shares[4]}`);
});

test('slow start: back in rotation after an ejection, or after failed health checks, an instance ramps up again', () => {
  const ejected = new BackendSet(['a', 'b'], policy);
  picksAt(ejected, 0);
  ejected.eject(ejected.backends[0]!, 60_000); // out for 1 s
  assert.ok(shareOf('a', picksAt(ejected, 61_000)) < 0.2, 'just back: a small share');
  assert.ok(Math.abs(shareOf('a', picksAt(ejected, 71_000)) - 0.5) < 0.03, 'a window later: half');

  const probed = new BackendSet(['a', 'b'], policy);
  picksAt(probed, 0);
  const a = probed.backends[0]!;
  for (const ok of [false, false, false, true, true]) probed.probeResult(a, ok);
  assert.ok(shareOf('a', picksAt(probed, 60_000)) < 0.2, 'healthy again: a small share');
  assert.ok(Math.abs(shareOf('a', picksAt(probed, 70_000)) - 0.5) < 0.03, 'a window later: half');
});

test('slow start: a set of instances all new (a fresh platform) is picked exactly as without slow start', () => {
  for (const at of [0, 2500, 5000]) {
    const warming = new BackendSet(['a', 'b', 'c', 'd'], policy);
    const off = new BackendSet(['a', 'b', 'c', 'd'], { ...policy, slowStartMs: 0 });
    assert.deepEqual(picksAt(warming, at), picksAt(off, at));
  }
});

test('slow start: a lone instance, or the only one left in rotation, gets all the traffic while it warms', () => {
  const lone = new BackendSet(['a'], policy);
  assert.deepEqual(new Set(picksAt(lone, 0, 100)), new Set(['a']));
  const set = new BackendSet(['old', 'new'], policy);
  picksAt(set, 0);
  set.replace(['old', 'new', 'newer']);
  set.eject(set.backends[0]!, 60_000);
  set.eject(set.backends[1]!, 60_000);
  assert.deepEqual(new Set(picksAt(set, 60_000, 100)), new Set(['newer']));
});
