import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, parseTrustedProxies } from './clientAddress.ts';

const loopback = parseTrustedProxies('loopback');

test('behind a trusted balancer the client is the address it forwarded', () => {
  assert.equal(clientAddress('127.0.0.1', '203.0.113.7', loopback), '203.0.113.7');
  assert.equal(clientAddress('::ffff:127.0.0.1', '203.0.113.7', loopback), '203.0.113.7');
  assert.equal(clientAddress('::1', '2001:db8::7', loopback), '2001:db8::7');
});

test("what the client wrote itself, left of the balancer's entry, is not believed", () => {
  assert.equal(clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.7', loopback), '203.0.113.7');
});

test('an untrusted peer is the client, whatever X-Forwarded-For it sends', () => {
  assert.equal(clientAddress('198.51.100.9', '10.0.0.1', loopback), '198.51.100.9');
  assert.equal(clientAddress('::ffff:198.51.100.9', undefined, loopback), '198.51.100.9');
  assert.equal(clientAddress('127.0.0.1', '10.0.0.1', parseTrustedProxies('none')), '127.0.0.1');
});

test('a chain of trusted proxies is walked through; garbage stops the walk at the last trusted hop', () => {
  const trusted = parseTrustedProxies('10.1.0.0/16, 127.0.0.1');
  assert.equal(clientAddress('127.0.0.1', ['203.0.113.7, 10.1.2.3'], trusted), '203.0.113.7');
  assert.equal(clientAddress('127.0.0.1', 'not-an-ip', trusted), '127.0.0.1');
  assert.equal(clientAddress('127.0.0.1', undefined, trusted), '127.0.0.1');
});

test('a malformed TRUSTED_PROXIES is a configuration error naming the entry', () => {
  assert.throws(() => parseTrustedProxies('loopback, 10.0.0.0/33'), /TRUSTED_PROXIES .*10\.0\.0\.0\/33/);
  assert.throws(() => parseTrustedProxies('lb.internal'), /TRUSTED_PROXIES/);
});
