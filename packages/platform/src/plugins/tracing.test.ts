import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerRequestContext } from './requestContext.ts';
import { bareApp, identity } from './testApp.ts';

test("the caller's trace id is kept and echoed; the request id too", async () => {
  const { app } = bareApp();
  registerRequestContext(app, { ...identity, mtls: false });
  app.get('/t', (request) => ({ traceId: request.trace.traceId }));
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const response = await app.inject({
    url: '/t',
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  });
  assert.deepEqual(response.json(), { traceId });
  assert.equal(response.headers['x-trace-id'], traceId);
  assert.equal(typeof response.headers['x-request-id'], 'string', 'the correlation id is echoed');
});

test('without a traceparent a new trace is started', async () => {
  const { app } = bareApp();
  registerRequestContext(app, { ...identity, mtls: false });
  app.get('/t', (request) => ({ traceId: request.trace.traceId }));
  const { traceId } = (await app.inject({ url: '/t' })).json<{ traceId: string }>();
  assert.match(traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(traceId, '0'.repeat(32));
});
