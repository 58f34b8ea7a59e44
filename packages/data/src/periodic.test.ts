import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startPeriodic } from './periodic.ts';

/** A job whose runs the test finishes by hand: `started` counts runs, `finish()` ends the current one. */
function manualJob() {
  const state = { started: 0, running: 0, maxRunning: 0, signals: [] as AbortSignal[] };
  let finish: (error?: Error) => void = () => undefined;
  let onStart: () => void = () => undefined;
  const job = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      state.started += 1;
      state.running += 1;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      state.signals.push(signal);
      finish = (error) => {
        state.running -= 1;
        if (error) reject(error);
        else resolve();
      };
      onStart();
    });
  const nextStart = () => new Promise<void>((resolve) => (onStart = resolve));
  return { state, job, nextStart, finish: (error?: Error) => finish(error) };
}

test('startPeriodic runs again after each run, never two at once, and a failure does not end it', async () => {
  const { state, job, nextStart, finish } = manualJob();
  const errors: unknown[] = [];
  const started = nextStart();
  const periodic = startPeriodic(job, { intervalMs: 1, onError: (e) => errors.push(e) });
  await started;
  periodic.kick();
  periodic.kick();
  let next = nextStart();
  finish(new Error('boom'));
  await next;
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ['boom'],
  );
  next = nextStart();
  finish();
  await next;
  assert.equal(state.maxRunning, 1, 'kicks during a run wait for it');
  const stopped = periodic.stop();
  assert.equal(state.signals.at(-1)?.aborted, true, 'stop aborts the run in progress');
  finish();
  await stopped;
  assert.equal(state.running, 0, 'stop waited for the run in progress');
  const count = state.started;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(state.started, count, 'no run after stop');
});

test('kick runs an idle job at once instead of waiting out the interval', async () => {
  const { state, job, nextStart, finish } = manualJob();
  const periodic = startPeriodic(job, { intervalMs: 3_600_000, onError: () => undefined });
  const started = nextStart();
  periodic.kick();
  await started;
  assert.equal(state.started, 1);
  finish();
  await periodic.stop();
});
