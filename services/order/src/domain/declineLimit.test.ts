import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressKey, admitCheckout, judgeDeclines } from './declineLimit.ts';

const HOUR = 3_600_000;
const policy = { max: 5, windowMs: HOUR };
const now = 10 * HOUR;

test('fewer declines than the limit within the window: allowed', () => {
  assert.deepEqual(judgeDeclines([], now, policy), { allowed: true });
  assert.deepEqual(judgeDeclines([now - 4000, now - 3000, now - 2000, now - 1000], now, policy), { allowed: true });
});

test('the limit reached: refused until the oldest decline in the window leaves it', () => {
  const declines = [now - 30 * 60_000, now - 4000, now - 3000, now - 2000, now - 1000];
  assert.deepEqual(judgeDeclines(declines, now, policy), { allowed: false, retryAfterSec: 30 * 60 });
  // A moment later the oldest is out: one more checkout may go.
  assert.deepEqual(judgeDeclines(declines, now + 30 * 60_000, policy), { allowed: true });
});

test('declines older than the window do not count, whatever their order', () => {
  const old = [now - HOUR, now - HOUR - 1, now - 2 * HOUR];
  assert.deepEqual(judgeDeclines([...old, now - 1, now - 2, now - 3, now - 4], now, policy), { allowed: true });
});

test('more declines than the limit (parallel checkouts): the wait is until fewer than the limit remain', () => {
  // Seven in the window, limit 5: the third-oldest must leave, not the oldest.
  const declines = [
    now - 50 * 60_000,
    now - 40 * 60_000,
    now - 30 * 60_000,
    now - 3000,
    now - 2000,
    now - 1000,
    now - 500,
  ];
  assert.deepEqual(judgeDeclines(declines, now, policy), { allowed: false, retryAfterSec: 30 * 60 });
});

test('Retry-After is whole seconds, at least 1', () => {
  const declines = [now - HOUR + 1, now - 1, now - 1, now - 1, now - 1];
  assert.deepEqual(judgeDeclines(declines, now, policy), { allowed: false, retryAfterSec: 1 });
  assert.deepEqual(judgeDeclines([now - 1500, now, now, now, now], now, { max: 5, windowMs: 2000 }), {
    allowed: false,
    retryAfterSec: 1,
  });
});

test('a checkout needs both scopes; refused, the longer wait wins and names its scope', () => {
  const limits = { user: policy, address: { max: 3, windowMs: HOUR } };
  assert.deepEqual(admitCheckout({ user: [now - 1], address: [now - 1, now - 2] }, now, limits), { allowed: true });
  assert.deepEqual(admitCheckout({ user: [now - 1], address: [now - 10_000, now - 2, now - 1] }, now, limits), {
    allowed: false,
    scope: 'address',
    retryAfterSec: 3590,
  });
  const user = [now - 20_000, now - 4, now - 3, now - 2, now - 1];
  assert.deepEqual(admitCheckout({ user, address: [now - 10_000, now - 2, now - 1] }, now, limits), {
    allowed: false,
    scope: 'address',
    retryAfterSec: 3590,
  });
  assert.deepEqual(admitCheckout({ user, address: [now - 30_000, now - 2, now - 1] }, now, limits), {
    allowed: false,
    scope: 'user',
    retryAfterSec: 3580,
  });
  // No known address: the user's limit alone.
  assert.deepEqual(admitCheckout({ user: [now - 1] }, now, limits), { allowed: true });
});

test('an address counts as itself (IPv4) or as its /64 (IPv6); anything else is no address', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::FFFF:cb00:7107'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(
    addressKey('2001:DB8:1:2::ffff'),
    '2001:db8:1:2::/64',
    'another address of the same /64, another spelling',
  );
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('64:ff9b::198.51.100.1'), '64:ff9b:0:0::/64');
  assert.equal(addressKey(''), null);
  assert.equal(addressKey('not an address'), null);
});
