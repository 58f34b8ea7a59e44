import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveThrottle } from './throttle.ts';

function sequence(): () => number {
  let seed = 7;
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

test('while the destination accepts, nothing is refused', () => {
  let now = 0;
  const throttle = new AdaptiveThrottle({ now: () => now, random: sequence() });
  for (let i = 0; i < 1000; i++, now += 5) {
    assert.ok(throttle.admit(false));
    throttle.accepted();
  }
  assert.equal(throttle.refusing, 0);
});

test('a destination that refuses everything gets a trickle, not the full load; critical calls still go', () => {
  let now = 0;
  const throttle = new AdaptiveThrottle({ now: () => now, random: sequence() });
  for (let i = 0; i < 1000; i++, now += 5) {
    throttle.admit(false);
    throttle.accepted();
  }
  let sent = 0;
  for (let i = 0; i < 2000; i++, now += 5) if (throttle.admit(false)) sent += 1;
  assert.ok(sent < 2000 * 0.5, `${sent} of 2000 sent to a destination that refuses all`);
  let later = 0;
  for (let i = 0; i < 2000; i++, now += 5) if (throttle.admit(false)) later += 1;
  assert.ok(
    later >= 2000 * 0.15 && later <= 2000 * 0.25,
    `${later} of the next 2000: the trickle that finds out it recovered`,
  );
  assert.ok(throttle.admit(true), 'a critical call is always sent');
});

test('when it accepts again, the refused share returns to zero', () => {
  let now = 0;
  const throttle = new AdaptiveThrottle({ now: () => now, random: sequence() });
  for (let i = 0; i < 2000; i++, now += 5) throttle.admit(false);
  assert.equal(throttle.refusing, 0.8, 'never more than 80% refused');
  const start = now;
  while (throttle.refusing > 0 && now - start < 60_000) {
    if (throttle.admit(false)) throttle.accepted();
    now += 5;
  }
  assert.equal(throttle.refusing, 0);
  assert.ok(now - start <= 5000, `back to sending everything after ${now - start} ms of a clock at 200 calls/s`);
});
