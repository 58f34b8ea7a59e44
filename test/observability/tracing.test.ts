// One trace across processes' worth of hops: a server span, the mesh client's
// span, the next server's span, linked by W3C trace context and kept by the
// built-in collector, which shows it as a waterfall.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMeshClient } from '@shop/mesh';
import { createLogger, createServiceApp, ServiceMetrics, type ServiceApp } from '@shop/platform';
import { startTelemetry, type Telemetry } from '@shop/telemetry';
import { createCollector } from '@shop/trace-collector';

let collector: ServiceApp;
let front: ServiceApp;
let back: ServiceApp;
let telemetry: Telemetry;
let frontUrl: string;
let collectorUrl: string;

async function listen(app: ServiceApp): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function app(service: string): ServiceApp {
  const identity = { service, instance: `${service}-1`, region: 'us-east' };
  return createServiceApp({
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness: [],
  });
}

before(async () => {
  const identity = { service: 'trace-collector', instance: 'tc-1', region: 'us-east' };
  collector = createCollector({
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
  });
  collectorUrl = await listen(collector);
  telemetry = startTelemetry({ service: 'test-process', instance: 't-1', region: 'us-east', endpoint: collectorUrl });
  back = app('product');
  back.get('/products/:id', (request) => ({ id: (request.params as { id: string }).id }));
  const backUrl = await listen(back);
  const client = createMeshClient({ service: 'product', caller: 'order', instances: [backUrl] });
  front = app('order');
  front.get('/orders/:id', async () => (await client.request({ method: 'GET', path: '/products/p1' })).body);
  frontUrl = await listen(front);
});

after(async () => {
  await telemetry.shutdown();
  await Promise.all([front.close(), back.close(), collector.close()]);
});

test('a request is one trace: server -> mesh client -> server, each span the child of the one before', async () => {
  const response = await fetch(`${frontUrl}/orders/o1`);
  assert.equal(response.status, 200);
  const traceId = response.headers.get('x-trace-id')!;
  assert.match(traceId, /^[0-9a-f]{32}$/);
  await telemetry.flush();
  const trace = (await (await fetch(`${collectorUrl}/traces/${traceId}`)).json()) as {
    spans: Array<{
      spanId: string;
      parentSpanId?: string;
      name: string;
      kind: string;
      attributes: Record<string, unknown>;
    }>;
  };
  const byName = (name: string) => trace.spans.find((s) => s.name === name);
  const frontSpan = byName('GET /orders/:id');
  const clientSpan = byName('GET product');
  const backSpan = byName('GET /products/:id');
  assert.ok(frontSpan && clientSpan && backSpan, `spans: ${trace.spans.map((s) => s.name).join(', ')}`);
  assert.equal(frontSpan.kind, 'server');
  assert.equal(clientSpan.kind, 'client');
  assert.equal(clientSpan.parentSpanId, frontSpan.spanId);
  assert.equal(backSpan.parentSpanId, clientSpan.spanId);
  assert.equal(backSpan.attributes['service.name'], 'product');
  const page = await (await fetch(`${collectorUrl}/traces/${traceId}/view`)).text();
  assert.match(page, /GET \/orders\/:id/);
  assert.match(page, /GET \/products\/:id/);
});

test('an incoming traceparent is continued, not replaced', async () => {
  const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const response = await fetch(`${frontUrl}/orders/o2`, { headers: { traceparent: parent } });
  assert.equal(response.headers.get('x-trace-id'), '0af7651916cd43dd8448eb211c80319c');
});

test('the collector refuses what is not an OTLP export, and unknown traces are 404', async () => {
  const bad = await fetch(`${collectorUrl}/v1/traces`, {
    method: 'POST',
    body: '{"nope":1}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(bad.status, 400);
  assert.equal((await fetch(`${collectorUrl}/traces/${'0'.repeat(31)}1`)).status, 404);
  assert.equal((await fetch(`${collectorUrl}/traces/not-hex`)).status, 400);
});
