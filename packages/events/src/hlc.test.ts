import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HybridLogicalClock, compareHlc, decodeHlc, encodeHlc } from './hlc.ts';
import { compare, increment, merge } from './vectorClock.ts';

function fakeClock(start: number): { now: () => number; set: (t: number) => void } {
  let t = start;
  return { now: () => t, set: (next) => (t = next) };
}

test('now() is strictly increasing while the wall clock stands still', () => {
  const wall = fakeClock(1_000);
  const hlc = new HybridLogicalClock({ clock: wall.now, node: 'a' });
  const stamps = Array.from({ length: 5 }, () => encodeHlc(hlc.now()));
  assert.deepEqual([...stamps].sort(), stamps);
  assert.equal(new Set(stamps).size, 5);
});

test('now() stays monotonic when the wall clock steps back', () => {
  const wall = fakeClock(10_000);
  const hlc = new HybridLogicalClock({ clock: wall.now });
  const before = hlc.now();
  wall.set(9_000); // NTP steps the clock back by a second
  const after = hlc.now();
  assert.ok(compareHlc(after, before) > 0);
  assert.equal(after.wall, 10_000);
  wall.set(10_500);
  const later = hlc.now();
  assert.deepEqual([later.wall, later.logical], [10_500, 0]);
});

test("causality: after receiving, local timestamps exceed the sender's even with a clock 500 ms behind", () => {
  const producerWall = fakeClock(50_000);
  const consumerWall = fakeClock(49_500);
  const producer = new HybridLogicalClock({ clock: producerWall.now, node: 'p' });
  const consumer = new HybridLogicalClock({ clock: consumerWall.now, node: 'c' });
  consumer.now();
  const sent = encodeHlc(producer.now());
  const received = consumer.update(sent);
  assert.ok(compareHlc(received, sent) > 0);
  const effect = consumer.now();
  assert.ok(compareHlc(effect, sent) > 0, 'the effect is ordered after its cause');
  consumerWall.set(49_600);
  assert.ok(compareHlc(consumer.now(), sent) > 0);
});

test('update() merges logical counters when walls tie', () => {
  const wall = fakeClock(0);
  const hlc = new HybridLogicalClock({ clock: wall.now });
  const merged = hlc.update({ wall: 7, logical: 4, node: 'x' });
  assert.deepEqual([merged.wall, merged.logical], [7, 5]);
  const again = hlc.update({ wall: 7, logical: 9, node: 'x' });
  assert.deepEqual([again.wall, again.logical], [7, 10]);
});

test('the encoding round-trips and sorts like the timestamps', () => {
  const a = { wall: 1_712_345_678_901, logical: 3, node: 'n1' };
  assert.deepEqual(decodeHlc(encodeHlc(a)), a);
  assert.ok(encodeHlc({ wall: 9, logical: 0, node: '' }) < encodeHlc({ wall: 10, logical: 0, node: '' }));
  assert.ok(encodeHlc({ wall: 10, logical: 2, node: '' }) < encodeHlc({ wall: 10, logical: 10, node: '' }));
  assert.throws(() => decodeHlc('garbage'));
});

test('vector clocks tell ordered updates from concurrent ones', () => {
  const a1 = increment({}, 'a');
  const b1 = increment({}, 'b');
  assert.equal(compare(a1, b1), 'concurrent');
  const both = increment(merge(a1, b1), 'a');
  assert.equal(compare(a1, both), 'before');
  assert.equal(compare(both, b1), 'after');
  assert.equal(compare(both, { ...both }), 'equal');
  assert.equal(compare({}, {}), 'equal');
});
