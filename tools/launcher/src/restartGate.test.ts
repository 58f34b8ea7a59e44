import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartGate } from './restartGate.ts';

test('the gate lets two restarts through at once; the third waits for a release, first come first served', async () => {
  const gate = new RestartGate(2);
  const order: string[] = [];
  const first = await gate.acquire();
  const second = await gate.acquire();
  const third = gate.acquire().then((release) => (order.push('third'), release));
  const fourth = gate.acquire().then((release) => (order.push('fourth'), release));
  await Promise.resolve();
  assert.deepEqual([gate.held, gate.waiting, order], [2, 2, []]);
  first();
  first(); // a second release of the same slot frees nothing more
  const releaseThird = await third;
  assert.deepEqual([gate.held, gate.waiting, order], [2, 1, ['third']]);
  second();
  (await fourth)();
  releaseThird();
  assert.deepEqual([gate.held, gate.waiting, order], [0, 0, ['third', 'fourth']]);
});

test('a waiting restart is dropped when the supervisor stops', async () => {
  const gate = new RestartGate(1);
  const held = await gate.acquire();
  const stopping = new AbortController();
  const waiting = gate.acquire(stopping.signal);
  stopping.abort(new Error('stopping'));
  await assert.rejects(waiting, /stopping/);
  assert.equal(gate.waiting, 0);
  held();
  assert.equal(gate.held, 0, 'the dropped waiter took no slot');
  await assert.rejects(gate.acquire(stopping.signal), /stopping/, 'nothing new once stopped');
});
