import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerAdmission } from './admission.ts';
import { bareApp } from './testApp.ts';

test('past the limit new requests are shed with 503 + Retry-After and counted; probes still get in', async () => {
  const { app, metrics } = bareApp();
  registerAdmission(app, { metrics, maxConcurrentRequests: 1 });
  let release: () => void = () => undefined;
  app.get('/slow', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
  app.get('/health', () => 'ok');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const slow = fetch(`${base}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const shed = await fetch(`${base}/slow`);
    assert.equal(shed.status, 503);
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.equal((await fetch(`${base}/health`)).status, 200);
    release();
    assert.equal((await slow).status, 200);
    assert.match(await metrics.registry.metrics(), /http_requests_shed_total\{[^}]*\} 1/);
  } finally {
    await app.close();
  }
});

test('a path not in canonical form is refused unless the app canonicalises itself', async () => {
  for (const canonicalPathsOnly of [true, false]) {
    const { app, metrics } = bareApp();
    registerAdmission(app, { metrics, canonicalPathsOnly });
    app.get('/a/b', () => 'ok');
    // %62 is an escaped "b": it names /a/b in a form nothing legitimate sends.
    const response = await app.inject({ url: '/a/%62' });
    assert.equal(response.statusCode, canonicalPathsOnly ? 400 : 200, String(canonicalPathsOnly));
  }
});
