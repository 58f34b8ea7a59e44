import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WINDOW_MINUTES, resolveWindow, WindowError, windowMinutes } from './window.ts';

const now = new Date('2026-11-30T10:00:00Z');
const field = (query: { from?: string; to?: string }): string | undefined => {
  try {
    resolveWindow(query, now);
    return undefined;
  } catch (error) {
    assert.ok(error instanceof WindowError);
    return error.field;
  }
};

test('the default window is the hour before now; an explicit one is taken as given', () => {
  assert.deepEqual(resolveWindow({}, now), { from: new Date('2026-11-30T09:00:00Z'), to: now });
  assert.deepEqual(resolveWindow({ to: '2026-11-29T12:00:00Z' }, now), {
    from: new Date('2026-11-29T11:00:00Z'),
    to: new Date('2026-11-29T12:00:00Z'),
  });
  const w = resolveWindow({ from: '2026-11-30T08:00:00+01:00', to: '2026-11-30T07:30:30Z' }, now);
  assert.equal(windowMinutes(w), 31);
});

test('a bad window names the field to fix', () => {
  assert.equal(field({ from: '2026-11-30T10:00:00Z', to: '2026-11-30T10:00:00Z' }), 'from', 'empty');
  assert.equal(field({ from: '2026-11-30T11:00:00Z' }), 'from', 'after the default to');
  assert.equal(
    field({ from: new Date(now.getTime() - (MAX_WINDOW_MINUTES + 1) * 60_000).toISOString() }),
    'from',
    'too long',
  );
  assert.equal(field({ to: '2026-06-30T23:59:60Z' }), 'to', 'a leap second is no instant here');
  assert.equal(field({ from: '0000-01-01T00:00:00Z' }), 'from', 'before 1970');
  assert.equal(
    field({ from: new Date(now.getTime() - MAX_WINDOW_MINUTES * 60_000).toISOString() }),
    undefined,
    'the longest window is allowed',
  );
});
