import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { AttemptWait } from './attemptWait.ts';
import { ATTEMPT_TIMED_OUT } from './failure.ts';

test('its own timer stops the attempt with ATTEMPT_TIMED_OUT, a timeout', async () => {
  const wait = new AttemptWait(undefined, 5, 5);
  await assert.rejects(wait.stopped, (error) => error === ATTEMPT_TIMED_OUT);
  assert.equal(wait.timedOut, true);
  wait.release();
});

test("the caller's abort stops it too, and is no timeout", async () => {
  const caller = new AbortController();
  const wait = new AttemptWait(caller.signal, 60_000, 60_000);
  caller.abort();
  await assert.rejects(wait.stopped);
  assert.equal(wait.signal.aborted, true);
  assert.equal(wait.timedOut, false);
  wait.release();
});

test('once headers arrived the timer no longer fires', async () => {
  const wait = new AttemptWait(undefined, 5, 5);
  wait.arrived();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(wait.signal.aborted, false);
  wait.release();
});

test("release takes its listener off the caller's signal (which may live as long as the process)", () => {
  const caller = new AbortController();
  const wait = new AttemptWait(caller.signal, 60_000, 60_000);
  assert.equal(getEventListeners(caller.signal, 'abort').length, 1);
  wait.release();
  assert.equal(getEventListeners(caller.signal, 'abort').length, 0);
});
