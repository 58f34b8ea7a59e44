import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, PerAddressCap } from './clientLimits.ts';

test('clientAddress: an IPv4-mapped IPv6 peer is its IPv4 address, so one client has one budget on either stack', () => {
  assert.equal(clientAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(clientAddress('::FFFF:203.0.113.5'), '203.0.113.5');
  assert.equal(clientAddress('203.0.113.5'), '203.0.113.5');
  assert.equal(clientAddress('2001:db8::1'), '2001:db8::1');
  assert.equal(clientAddress('::ffff:2001:db8'), '::ffff:2001:db8', 'not a mapped IPv4 address: left as it is');
  assert.equal(clientAddress(undefined), '');
});

test('PerAddressCap: each address gets up to its limit, independently of the others', () => {
  const cap = new PerAddressCap(2);
  assert.ok(cap.acquire('a'));
  assert.ok(cap.acquire('a'));
  assert.equal(cap.acquire('a'), undefined, 'the third for one address is refused');
  assert.ok(cap.acquire('b'), 'another address has its own budget');
  assert.equal(cap.held('a'), 2);
});

test('PerAddressCap: a release frees one place, once however often it is called, and a drained address leaves the map', () => {
  const cap = new PerAddressCap(1);
  const release = cap.acquire('a')!;
  release();
  release();
  assert.equal(cap.held('a'), 0);
  assert.equal(cap.addresses, 0, 'no entry kept for an address holding nothing');
  const again = cap.acquire('a');
  assert.ok(again);
  assert.equal(cap.acquire('a'), undefined, 'the double release freed one place, not two');
});

test('PerAddressCap: a limit below 1 is refused at construction', () => {
  assert.throws(() => new PerAddressCap(0), RangeError);
  assert.throws(() => new PerAddressCap(1.5), RangeError);
});
