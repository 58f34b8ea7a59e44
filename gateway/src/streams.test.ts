import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAppError } from '@shop/platform';
import { createStreamSlots } from './streams.ts';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isAppError(error) ? error.code : 'not an AppError';
  }
};

test("a user's streams past the per-user cap are refused with RATE_LIMITED, others' are not", () => {
  const slots = createStreamSlots({ perUser: 2, total: 10 });
  slots.take('a');
  const release = slots.take('a');
  assert.equal(
    code(() => slots.take('a')),
    'RATE_LIMITED',
  );
  assert.equal(
    code(() => slots.take('b')),
    undefined,
  );
  release();
  assert.equal(
    code(() => slots.take('a')),
    undefined,
    'a released slot is free again',
  );
});

test('past the total cap everyone is refused with OVERLOADED; a release counts once', () => {
  const slots = createStreamSlots({ perUser: 5, total: 2 });
  const release = slots.take('a');
  slots.take('b');
  assert.equal(
    code(() => slots.take('c')),
    'OVERLOADED',
  );
  release();
  release();
  assert.equal(slots.open, 1);
});
