import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerRequestContext } from './requestContext.ts';
import { bareApp, identity } from './testApp.ts';

test('a caller with no time left gets 504 at once; a budget becomes an epoch deadline', async () => {
  const { app } = bareApp();
  registerRequestContext(app, { ...identity, mtls: false });
  app.get('/t', (request) => ({ deadline: request.deadline ?? null }));
  assert.equal((await app.inject({ url: '/t', headers: { 'x-request-timeout-ms': '0' } })).statusCode, 504);
  const before = Date.now();
  const { deadline } = (await app.inject({ url: '/t', headers: { 'x-request-timeout-ms': '5000' } })).json<{
    deadline: number;
  }>();
  assert.ok(deadline >= before + 5000 && deadline <= Date.now() + 5000);
});

test('an edge that does not accept the header ignores it', async () => {
  const { app } = bareApp();
  registerRequestContext(app, { ...identity, mtls: false, acceptDeadlineHeader: false });
  app.get('/t', (request) => ({ deadline: request.deadline ?? null }));
  const response = await app.inject({ url: '/t', headers: { 'x-request-timeout-ms': '0' } });
  assert.deepEqual(response.json(), { deadline: null });
});
