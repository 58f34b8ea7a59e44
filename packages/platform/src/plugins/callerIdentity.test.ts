import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerRequestContext } from './requestContext.ts';
import { bareApp, identity } from './testApp.ts';

test('without mTLS a vouched client address is believed, a malformed one is not, and there is no caller', async () => {
  const { app } = bareApp();
  registerRequestContext(app, { ...identity, mtls: false });
  app.get('/who', (request) => ({ address: request.clientAddress, caller: request.caller ?? null }));
  const vouched = await app.inject({ url: '/who', headers: { 'x-client-address': '203.0.113.7' } });
  assert.deepEqual(vouched.json(), { address: '203.0.113.7', caller: null });
  const bogus = await app.inject({ url: '/who', headers: { 'x-client-address': 'not-an-ip' } });
  assert.deepEqual(bogus.json(), { address: '127.0.0.1', caller: null });
});

test('under mTLS a route naming its callers refuses a request whose certificate names nobody (403)', async () => {
  const { app } = bareApp();
  registerRequestContext(app, { ...identity, mtls: true });
  app.get('/private', { config: { callers: ['order'] } }, () => 'secret');
  app.get('/open', (request) => ({ address: request.clientAddress }));
  // inject() has no TLS socket: no peer certificate, so no identity.
  const refused = await app.inject({ url: '/private' });
  assert.equal(refused.statusCode, 403);
  assert.match(refused.json<{ detail: string }>().detail, /Caller \(unknown\) may not call this route/);
  const open = await app.inject({ url: '/open', headers: { 'x-client-address': '203.0.113.7' } });
  assert.deepEqual(open.json(), { address: '127.0.0.1' }, 'only a voucher (the gateway) may set the client address');
});
