import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServiceApp } from './createServiceApp.ts';
import { FAULTS_PATH, registerFaults } from './faults.ts';
import { createLogger } from './logger.ts';
import { ServiceMetrics } from './metrics.ts';

function build(random: () => number) {
  const identity = { service: 'demo', instance: 'demo-1', region: 'us-east' };
  const app = createServiceApp({
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness: [],
  });
  registerFaults(app, { callers: ['launcher'], random });
  app.get('/work', () => ({ ok: true }));
  return app;
}

test('injected latency slows requests, but not probes; a DELETE heals', async () => {
  const app = build(() => 1);
  assert.equal((await app.inject({ method: 'PUT', url: FAULTS_PATH, payload: { latencyMs: 150 } })).statusCode, 200);
  const started = performance.now();
  assert.equal((await app.inject({ url: '/work' })).statusCode, 200);
  assert.ok(performance.now() - started >= 140, 'the request waited out the latency');
  // With 5 s injected, an answer in under 4 s cannot have waited for it.
  await app.inject({ method: 'PUT', url: FAULTS_PATH, payload: { latencyMs: 5000 } });
  const probe = performance.now();
  assert.equal((await app.inject({ url: '/health' })).statusCode, 200);
  assert.ok(performance.now() - probe < 4000, 'health answers without the latency');
  assert.deepEqual((await app.inject({ method: 'DELETE', url: FAULTS_PATH })).json(), {
    latencyMs: 0,
    errorRate: 0,
    shedRate: 0,
  });
  const healed = performance.now();
  await app.inject({ url: '/work' });
  assert.ok(performance.now() - healed < 4000, 'healed');
});

test('an error rate fails that share of requests with 500 problems (the instance failing, not a dependency)', async () => {
  const draws = [0.1, 0.9, 0.2, 0.8];
  const app = build(() => draws.shift() ?? 1);
  await app.inject({ method: 'PUT', url: FAULTS_PATH, payload: { errorRate: 0.5 } });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await app.inject({ url: '/work' })).statusCode);
  assert.deepEqual(statuses, [500, 200, 500, 200]);
});

test('malformed faults are refused with 400 naming the field', async () => {
  const app = build(() => 1);
  const response = await app.inject({ method: 'PUT', url: FAULTS_PATH, payload: { latencyMs: -5 } });
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().errors[0].field, 'body/latencyMs');
});
