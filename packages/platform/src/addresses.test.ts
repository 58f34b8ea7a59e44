import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unmappedAddress } from './addresses.ts';

test('an IPv4-mapped IPv6 address is the IPv4 address it carries; anything else stays as it is', () => {
  assert.equal(unmappedAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(unmappedAddress('::FFFF:203.0.113.5'), '203.0.113.5');
  assert.equal(unmappedAddress('203.0.113.5'), '203.0.113.5');
  assert.equal(unmappedAddress('2001:db8::1'), '2001:db8::1');
  assert.equal(unmappedAddress('::ffff:2001:db8'), '::ffff:2001:db8');
});
