import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadyBudget } from './readyWait.ts';

/** Ticks every 100 ms from `from` to `to`; the first tick at which the wait ran out, if any. */
function runOut(
  budget: ReadyBudget,
  from: number,
  to: number,
  state: (at: number) => { busy: boolean; ready: number },
) {
  for (let at = from; at <= to; at += 100) if (budget.expired(at, state(at))) return at;
  return undefined;
}

test('with the machine quiet and nothing getting ready, the wait ends after its budget', () => {
  const budget = new ReadyBudget({ budgetMs: 30_000, startedAt: 0, maxFactor: 10 });
  assert.equal(
    runOut(budget, 0, 60_000, () => ({ busy: false, ready: 0 })),
    30_100,
  );
});

test('time with the machine busy is not spent: a busy minute later, the budget is still whole', () => {
  const budget = new ReadyBudget({ budgetMs: 30_000, startedAt: 0, maxFactor: 10 });
  assert.equal(
    runOut(budget, 0, 60_000, () => ({ busy: true, ready: 0 })),
    undefined,
  );
  assert.ok(budget.extended(60_000));
  assert.equal(
    runOut(budget, 60_100, 120_000, () => ({ busy: false, ready: 0 })),
    90_100,
  );
});

test('instances still getting ready count as progress; the whole wait is bounded all the same', () => {
  const progressing = new ReadyBudget({ budgetMs: 30_000, startedAt: 0, maxFactor: 10 });
  // One more instance ready every 4 s on a quiet machine: the wait goes on.
  assert.equal(
    runOut(progressing, 0, 200_000, (at) => ({ busy: false, ready: Math.floor(at / 4000) })),
    undefined,
  );
  const busyForever = new ReadyBudget({ budgetMs: 1000, startedAt: 0, maxFactor: 10 });
  assert.equal(
    runOut(busyForever, 0, 60_000, () => ({ busy: true, ready: 0 })),
    10_100,
  );
});
