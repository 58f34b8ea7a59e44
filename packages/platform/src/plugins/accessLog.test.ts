import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerAccessLog } from './accessLog.ts';
import { bareApp } from './testApp.ts';

test('each response is counted by method, route and status', async () => {
  const { app, metrics } = bareApp();
  registerAccessLog(app, metrics);
  app.get('/items/:id', () => 'ok');
  await app.inject({ url: '/items/1' });
  await app.inject({ url: '/items/2' });
  await app.inject({ url: '/nowhere' });
  const text = await metrics.registry.metrics();
  assert.match(text, /http_requests_total\{[^}]*method="GET",route="\/items\/:id",status="200"[^}]*\} 2/);
  assert.match(text, /http_requests_total\{[^}]*route="unmatched",status="404"[^}]*\} 1/);
});
