import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrimaryTimeline } from './replicaLag.ts';

test('a replica that replayed everything the primary had is not behind', () => {
  const timeline = new PrimaryTimeline();
  timeline.record(1000, 100n);
  assert.equal(timeline.lagMs(100n, 5000), 0);
});

test('lag counts from the first moment the primary was past the replica', () => {
  const timeline = new PrimaryTimeline();
  timeline.record(1000, 100n);
  timeline.record(1200, 150n);
  timeline.record(1400, 150n); // idle primary: no new sample
  timeline.record(1600, 180n);
  assert.equal(timeline.lagMs(120n, 2000), 800, 'missing WAL the primary had at 1200');
  assert.equal(timeline.lagMs(150n, 2000), 400);
});

test('pruning keeps what a lagging replica still needs', () => {
  const timeline = new PrimaryTimeline();
  for (let i = 1; i <= 5; i++) timeline.record(i * 100, BigInt(i * 10));
  timeline.prune(30n);
  assert.equal(timeline.lagMs(30n, 1000), 600);
  assert.equal(timeline.lagMs(0n, 1000), 600, 'older samples are gone: the bound is the oldest kept');
});
