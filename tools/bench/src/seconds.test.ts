// The overload scenarios' arithmetic: arrivals into seconds, and when the
// platform counts as back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { during, failuresByLabel, figuresOf, perSecond, recoveredAt, shareOf, type Arrival } from './seconds.ts';

const served = (at: number, ms = 10): Arrival => ({ at, ms, class: 'served', label: '200' });
const shed = (at: number, ms = 5): Arrival => ({ at, ms, class: 'shed', label: '503 OVERLOADED' });
const failed = (at: number, label = '504 UPSTREAM_TIMEOUT'): Arrival => ({ at, ms: 3000, class: 'failed', label });

test('arrivals fall in the second they were due, each counted once by its class', () => {
  const rows = perSecond([served(0.1), served(0.9), shed(1.2), failed(1.5), served(2.99)], 3);
  assert.deepEqual(
    rows.map((r) => [r.second, r.arrivals, r.served, r.shed, r.failed]),
    [
      [0, 2, 2, 0, 0],
      [1, 2, 0, 1, 1],
      [2, 1, 1, 0, 0],
    ],
  );
});

test('answered within 1 s counts the served and the shed that came back in time, never a failure', () => {
  const [row] = perSecond([served(0, 999), served(0, 1000), served(0, 1001), shed(0, 20), failed(0)], 1);
  assert.equal(row!.answeredWithin1s, 3);
  assert.equal(shareOf([row!], 'answeredWithin1s'), 3 / 5);
});

test("a second's p99 is over its answered arrivals only", () => {
  const arrivals = [...Array.from({ length: 99 }, () => served(0, 10)), shed(0, 400), failed(0)];
  const [row] = perSecond(arrivals, 1);
  assert.equal(row!.p99Ms, 400);
  assert.equal(perSecond([failed(0)], 1)[0]!.p99Ms, 0);
});

test('arrivals outside the run are left out, and an empty second has no arrivals', () => {
  const rows = perSecond([served(-0.5), served(5)], 2);
  assert.deepEqual(
    rows.map((r) => r.arrivals),
    [0, 0],
  );
  assert.equal(shareOf(rows, 'served'), 1, 'no arrivals: nothing was missed');
});

test('during() takes the seconds of the span, its edges rounded: a second is in one phase only', () => {
  const rows = perSecond([], 6);
  assert.deepEqual(
    during(rows, 1.4, 4).map((r) => r.second),
    [1, 2, 3],
  );
  assert.deepEqual(
    during(rows, 4.0003, 6).map((r) => r.second),
    [4, 5],
  );
  assert.deepEqual(
    during(rows, 1.9999, 4.0003).map((r) => r.second),
    [2, 3],
  );
});

/** A second with `ok` served of 100 arrivals (the rest shed). */
function second(at: number, ok: number): Arrival[] {
  return Array.from({ length: 100 }, (_, i) => (i < ok ? served(at + i / 100) : shed(at + i / 100)));
}

test('the platform is back from the first second after the stop from which 99% are served, then and after', () => {
  const rows = perSecond(
    [...second(0, 50), ...second(1, 60), ...second(2, 100), ...second(3, 99), ...second(4, 100)],
    5,
  );
  assert.equal(recoveredAt(rows, 0.4), 2, 'seconds 0 and 1 (after a stop at 0.4 s) were still shedding');
  assert.equal(recoveredAt(rows, 1.6), 2);
  assert.equal(recoveredAt(rows, 2.5), 3);
});

test('one good second in a failing stretch is not a recovery, and no recovery is undefined', () => {
  const rows = perSecond([...second(0, 100), ...second(1, 50), ...second(2, 50), ...second(3, 100)], 4);
  assert.equal(recoveredAt(rows, 0), 3);
  const never = perSecond([...second(0, 100), ...second(1, 10)], 2);
  assert.equal(recoveredAt(never, 0), undefined, 'the pooled rest of the run is under 99%');
  assert.equal(recoveredAt(perSecond(second(0, 100), 1), 1), undefined, 'nothing after the stop');
});

test("failures are counted by label within a span, and a phase's figures are summed with its worst p99", () => {
  const arrivals = [failed(0.5), failed(2, 'transport ECONNRESET'), failed(2.5), served(1, 30), shed(2, 900)];
  assert.deepEqual(failuresByLabel(arrivals), { '504 UPSTREAM_TIMEOUT': 2, 'transport ECONNRESET': 1 });
  assert.deepEqual(failuresByLabel(arrivals, 2), { '504 UPSTREAM_TIMEOUT': 1, 'transport ECONNRESET': 1 });
  assert.deepEqual(figuresOf(perSecond(arrivals, 3)), {
    arrivals: 5,
    served: 1,
    shed: 1,
    failed: 3,
    answeredWithin1s: 2,
    worstP99Ms: 900,
  });
});
