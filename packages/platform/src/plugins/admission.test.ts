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

test('over TCP: waiting work gets in most critical first, and a full queue gives up its newest search for a checkout', async () => {
  const { app, metrics } = bareApp();
  // Waits long enough that no place is lost to a slow machine: what is tested is the order, not the clock.
  registerAdmission(app, { metrics, maxConcurrentRequests: 1, queueWait: { targetMs: 10_000, intervalMs: 10_000 } });
  let release: () => void = () => undefined;
  const served: string[] = [];
  app.get('/slow', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
  app.get('/work', (request) => {
    served.push(request.criticality);
    return request.criticality;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const gauge = async (name: string) =>
    Number(/ (\d+)$/m.exec(await metrics.registry.getSingleMetricAsString(name))?.[1] ?? -1);
  const displaced = /http_requests_shed_total\{criticality="sheddable",reason="displaced"[^}]*\} 1/;
  const until = async (holds: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 1000 && !(await holds()); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(await holds(), what);
  };
  try {
    const slow = fetch(`${base}/slow`);
    await until(async () => (await gauge('http_requests_in_flight')) === 1, 'the slow request holds the place');
    // The queue holds max(8, limit) = 8: eight searches fill it.
    const searches = Array.from({ length: 8 }, () =>
      fetch(`${base}/work`, { headers: { 'x-criticality': 'sheddable' } }),
    );
    await until(async () => (await gauge('http_admission_queued')) === 8, 'eight searches wait');
    const checkout = fetch(`${base}/work`, { headers: { 'x-criticality': 'critical' } });
    await until(async () => displaced.test(await metrics.registry.metrics()), 'the checkout displaced a search');
    assert.equal(await gauge('http_admission_queued'), 8);
    release();
    assert.equal((await slow).status, 200);
    const answer = await checkout;
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), 'critical');
    const statuses = await Promise.all(
      searches.map(async (search) => {
        if (search !== undefined && (await search).status === 503) {
          const shed = await search;
          assert.equal(shed.headers.get('retry-after'), '1');
          assert.equal(((await shed.json()) as { code: string }).code, 'OVERLOADED');
        }
        return (await search).status;
      }),
    );
    assert.deepEqual(statuses.toSorted(), [200, 200, 200, 200, 200, 200, 200, 503], 'one search gave its place up');
    assert.deepEqual(served, ['critical', ...Array<string>(7).fill('sheddable')], 'the checkout went first');
  } finally {
    await app.close();
  }
});
