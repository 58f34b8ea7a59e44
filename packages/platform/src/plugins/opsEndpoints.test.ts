import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../logger.ts';
import { ServiceMetrics } from '../metrics.ts';
import { createOpsApp, type OpsEndpointsOptions } from './opsEndpoints.ts';
import { identity } from './testApp.ts';

function options(readiness: OpsEndpointsOptions['readiness']): OpsEndpointsOptions {
  return {
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness,
    lifecycle: { draining: false },
    readinessTimeoutMs: 50,
  };
}

test('the ops app answers /health, /ready and /metrics, and nothing else', async () => {
  const app = createOpsApp(options([{ name: 'database', check: () => Promise.resolve() }]));
  assert.deepEqual((await app.inject({ url: '/health' })).json(), {
    status: 'ok',
    service: 'test',
    instance: 'test-1',
  });
  assert.equal((await app.inject({ url: '/ready' })).json<{ status: string }>().status, 'ready');
  const metrics = await app.inject({ url: '/metrics' });
  assert.match(String(metrics.headers['content-type']), /^text\/plain/);
  assert.equal((await app.inject({ url: '/users' })).statusCode, 404);
});

test('readiness names the unreachable dependency (a hung check times out) and fails while draining', async () => {
  const settings = options([
    { name: 'database', check: () => Promise.resolve() },
    { name: 'bus', check: () => new Promise(() => undefined) },
  ]);
  const app = createOpsApp(settings);
  const failing = await app.inject({ url: '/ready' });
  assert.equal(failing.statusCode, 503);
  assert.match(failing.json<{ detail: string }>().detail, /Unreachable: bus$/);
  settings.readiness = [];
  assert.equal((await app.inject({ url: '/ready' })).statusCode, 200);
  settings.lifecycle.draining = true;
  const draining = await app.inject({ url: '/ready' });
  assert.equal(draining.statusCode, 503);
  assert.equal(draining.json<{ code: string }>().code, 'SHUTTING_DOWN');
});
