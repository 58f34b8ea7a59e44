import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdmissionQueue, type Release, type ShedReason } from './admissionQueue.ts';
import { GradientLimit } from './gradientLimit.ts';

/** A queue whose limit stays at `limit` (the window never closes within a test). */
function queueOf(limit: number, options: { intervalMs?: number } = {}): AdmissionQueue {
  const fixed = new GradientLimit({ initial: limit, min: limit, max: limit, windowSamples: 1e9 });
  return new AdmissionQueue({ limit: fixed, intervalMs: options.intervalMs ?? 1000 });
}

interface Outcome {
  release?: Release;
  reason?: ShedReason;
}

function enter(queue: AdmissionQueue, rank: number, budgetMs?: number): Outcome & { leave: () => void } {
  const outcome: Outcome & { leave: () => void } = { leave: () => {} };
  outcome.leave = queue.enter(rank, budgetMs, (release, reason) => Object.assign(outcome, { release, reason }));
  return outcome;
}

test('up to the limit requests get in at once; the next one waits and gets the first free place', () => {
  const queue = queueOf(2);
  const [a, b] = [enter(queue, 2), enter(queue, 2)];
  assert.ok(a.release && b.release);
  const c = enter(queue, 2);
  assert.equal(c.release, undefined);
  assert.equal(queue.waiting, 1);
  a.release();
  assert.ok(c.release, 'admitted when a place freed');
  assert.equal(queue.inFlight, 2);
  assert.equal(queue.waiting, 0);
});

test('a request of the lowest class is shed before a checkout when both wait', async () => {
  const queue = queueOf(1, { intervalMs: 50 });
  const busy = enter(queue, 2);
  const search = enter(queue, 4);
  const checkout = enter(queue, 0);
  busy.release!();
  assert.ok(checkout.release, 'the checkout took the free place, though it came later');
  assert.equal(search.release, undefined);
  await sleep(80);
  assert.equal(search.reason, 'queue-timeout', 'the search waited its time and was refused, not answered late');
});

test('a full queue: a more critical arrival displaces the newest of the least critical; an equal one is refused', () => {
  const queue = queueOf(1);
  enter(queue, 2);
  const waiting = Array.from({ length: 8 }, () => enter(queue, 3));
  const sameClass = enter(queue, 3);
  assert.equal(sameClass.reason, 'queue-full');
  const checkout = enter(queue, 0);
  assert.equal(checkout.reason, undefined, 'queued');
  assert.equal(waiting.at(-1)!.reason, 'displaced');
  assert.equal(waiting[0]!.reason, undefined);
  for (const w of waiting) w.leave();
  checkout.leave();
});

test('a caller with no time left to wait is refused at once rather than queued', () => {
  const queue = queueOf(1);
  enter(queue, 2);
  const late = enter(queue, 2, 0);
  assert.equal(late.reason, 'no-time');
  assert.equal(queue.waiting, 0);
});

test('a client that leaves while it waits gives its place up, unanswered and uncounted as shed', () => {
  const shed: ShedReason[] = [];
  const fixed = new GradientLimit({ initial: 1, min: 1, max: 1, windowSamples: 1e9 });
  const queue = new AdmissionQueue({ limit: fixed, listener: { shed: (_rank, reason) => shed.push(reason) } });
  const busy = enter(queue, 2);
  const gone = enter(queue, 2);
  gone.leave();
  assert.equal(queue.waiting, 0);
  busy.release!();
  assert.equal(gone.release, undefined);
  assert.deepEqual(shed, []);
});

test('releasing twice frees one place', () => {
  const queue = queueOf(2);
  const a = enter(queue, 2);
  enter(queue, 2);
  a.release!();
  a.release!();
  assert.equal(queue.inFlight, 1);
});
