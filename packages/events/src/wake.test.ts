import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWakeSignal, wakeSignal } from './wake.ts';

test('an append names its topic and partitions; a wide one names the topic alone', () => {
  assert.equal(wakeSignal('order', [3, 5]), 'order:3,5');
  assert.deepEqual(parseWakeSignal('order:3,5'), { topic: 'order', partitions: [3, 5] });
  const wide = Array.from({ length: 65 }, (_, i) => i);
  assert.equal(wakeSignal('order', wide), 'order');
  assert.deepEqual(parseWakeSignal('order'), { topic: 'order', partitions: undefined });
});

test('control signals and garbled partitions', () => {
  assert.equal(parseWakeSignal('*'), null);
  assert.equal(parseWakeSignal('$redrive'), null);
  assert.deepEqual(parseWakeSignal('order:1,x'), { topic: 'order', partitions: undefined });
  assert.deepEqual(parseWakeSignal('order:-1'), { topic: 'order', partitions: undefined });
});
