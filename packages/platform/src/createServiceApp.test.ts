import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Type } from 'typebox';
import { createServiceApp } from './createServiceApp.ts';
import { AppError } from './errors.ts';
import { createLogger } from './logger.ts';
import { ServiceMetrics } from './metrics.ts';

function build(readiness: Parameters<typeof createServiceApp>[0]['readiness'] = []) {
  const identity = { service: 'demo', instance: 'demo-1', region: 'us-east' };
  const app = createServiceApp({
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness,
    bodyLimit: 1024,
  });
  app.post(
    '/things/:id',
    {
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), quantity: Type.Integer({ minimum: 1 }) },
          { additionalProperties: false },
        ),
      },
    },
    (request) => ({ id: request.params.id, limit: request.query.limit ?? null, ...request.body }),
  );
  app.get('/boom', () => {
    throw new Error('secret internals');
  });
  app.get('/teapot', () => {
    throw new AppError('RATE_LIMITED', { retryAfter: 2.2, detail: 'slow down' });
  });
  return app;
}

const id = '0b7c9d2e-6f5a-4c1b-9e8d-7a6b5c4d3e2f';

test('a valid request passes, and query strings are coerced to their types', async () => {
  const response = await build().inject({
    method: 'POST',
    url: `/things/${id}?limit=5`,
    payload: { name: 'a', quantity: 2 },
  });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { id, limit: 5, name: 'a', quantity: 2 });
});

test('validation failures are 400 problem+json naming the field', async () => {
  const app = build();
  const cases: Array<[string, Record<string, unknown> | string, string]> = [
    [`/things/${id}`, { quantity: 2 }, 'body/name'],
    [`/things/${id}`, { name: 'a', quantity: '2' }, 'body/quantity'],
    [`/things/${id}`, { name: 'a', quantity: 2, role: 'admin' }, 'body/role'],
    [`/things/not-a-uuid`, { name: 'a', quantity: 2 }, 'path/id'],
    [`/things/${id}?limit=1000`, { name: 'a', quantity: 2 }, 'query/limit'],
  ];
  for (const [url, payload, field] of cases) {
    const response = await app.inject({ method: 'POST', url, payload });
    assert.equal(response.statusCode, 400, `${url} ${JSON.stringify(payload)}`);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    const problem = response.json();
    assert.equal(problem.code, 'VALIDATION_FAILED');
    assert.equal(problem.type, 'urn:shop:problem:validation-failed');
    assert.equal(problem.errors[0].field, field);
    assert.match(String(problem.detail), new RegExp(field));
  }
});

test('unparseable, oversized, hostile and wrongly typed bodies get clear 4xx answers', async () => {
  const app = build();
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: `/things/${id}`, payload, headers: { 'content-type': contentType } });
  const broken = await post('{"name": ');
  assert.equal(broken.statusCode, 400);
  assert.equal(broken.json().code, 'MALFORMED_BODY');
  const huge = await post(JSON.stringify({ name: 'x'.repeat(5000), quantity: 1 }));
  assert.equal(huge.statusCode, 413);
  assert.equal(huge.json().code, 'BODY_TOO_LARGE');
  const poisoned = await post('{"name":"a","quantity":1,"__proto__":{"admin":true}}');
  assert.equal(poisoned.statusCode, 400);
  const xml = await post('<thing/>', 'application/xml');
  assert.equal(xml.statusCode, 415);
  assert.equal(xml.json().code, 'UNSUPPORTED_MEDIA_TYPE');
});

test('unknown errors become a 500 that leaks nothing; catalogued ones keep their status and Retry-After', async () => {
  const app = build();
  const boom = await app.inject({ url: '/boom' });
  assert.equal(boom.statusCode, 500);
  assert.equal(boom.json().code, 'INTERNAL');
  assert.doesNotMatch(boom.body, /secret internals/);
  const limited = await app.inject({ url: '/teapot' });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '3');
  assert.equal(limited.json().detail, 'slow down');
});

test('unknown routes are 404 problems; the correlation id is honoured or made', async () => {
  const app = build();
  const missing = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'abc-123' } });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'NOT_FOUND');
  assert.equal(missing.headers['x-request-id'], 'abc-123');
  assert.equal(missing.json().requestId, 'abc-123');
  const made = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('readiness fails with the names of unreachable dependencies, and while draining', async () => {
  const ok = build([{ name: 'database', check: () => Promise.resolve() }]);
  assert.equal((await ok.inject({ url: '/ready' })).statusCode, 200);
  const down = build([
    { name: 'database', check: () => Promise.reject(new Error('ECONNREFUSED')) },
    { name: 'cache', check: () => Promise.resolve() },
  ]);
  const response = await down.inject({ url: '/ready' });
  assert.equal(response.statusCode, 503);
  assert.equal(response.json().code, 'NOT_READY');
  assert.equal(response.json().detail, 'Unreachable: database');
  const hanging = build([{ name: 'database', check: () => new Promise(() => undefined) }]);
  assert.equal(
    (await hanging.inject({ url: '/ready' })).statusCode,
    503,
    'a hanging check times out instead of hanging readiness',
  );
});

test('a caller with no time left gets 504 at once; a deadline is recorded on the request', async () => {
  const app = build();
  let seen: number | undefined;
  app.get('/deadline', (request) => {
    seen = request.deadline;
    return { ok: true };
  });
  const expired = await app.inject({ url: '/deadline', headers: { 'x-request-timeout-ms': '0' } });
  assert.equal(expired.statusCode, 504);
  assert.equal(expired.json().code, 'DEADLINE_EXCEEDED');
  assert.equal(seen, undefined, 'the handler never ran');
  const before = Date.now();
  assert.equal((await app.inject({ url: '/deadline', headers: { 'x-request-timeout-ms': '800' } })).statusCode, 200);
  assert.ok(seen !== undefined && seen >= before + 700 && seen <= Date.now() + 800);
});

test('admission control sheds work past the concurrency limit with 503 + Retry-After, and admits again after', async () => {
  const identity = { service: 'demo', instance: 'demo-1', region: 'us-east' };
  const app = createServiceApp({
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness: [],
    maxConcurrentRequests: 2,
  });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  app.get('/work', async () => {
    await gate;
    return { done: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const held = [fetch(`${url}/work`), fetch(`${url}/work`)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const shed = await fetch(`${url}/work`);
    assert.equal(shed.status, 503);
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.equal(((await shed.json()) as { code: string }).code, 'OVERLOADED');
    assert.equal((await fetch(`${url}/health`)).status, 200, 'probes are always admitted');
    release();
    for (const response of await Promise.all(held)) assert.equal(response.status, 200);
    assert.equal((await fetch(`${url}/work`)).status, 200, 'capacity is returned when requests finish');
    assert.match(await (await fetch(`${url}/metrics`)).text(), /http_requests_shed_total\{[^}]*\} 1/);
  } finally {
    await app.close();
  }
});

test('a body over the limit is answered 413 after it is read, so a client still sending gets the answer, not a reset', async () => {
  const app = build();
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address() as AddressInfo;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.includes('\r\n\r\n') && received.includes('BODY_TOO_LARGE')) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('error', reject);
      // Four times the 1 KiB limit, written slowly in pieces after the headers.
      socket.write(
        `POST /things/${id} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n`,
      );
      const piece = 'x'.repeat(512);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= 4096 || socket.destroyed) return clearInterval(timer);
        socket.write(piece);
        sent += piece.length;
      }, 5);
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(answer, /connection: close/i);
  } finally {
    await app.close();
  }
});

test('the service describes its own routes at /openapi.json, from the schemas that validate them', async () => {
  const response = await build().inject({ url: '/openapi.json' });
  assert.equal(response.statusCode, 200);
  const doc = response.json();
  assert.equal(doc.openapi, '3.1.0');
  const operation = doc.paths['/things/{id}'].post;
  assert.deepEqual(operation.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(), [
    'path:id',
    'query:limit',
  ]);
  assert.deepEqual(operation.requestBody.content['application/json'].schema.required, ['name', 'quantity']);
  assert.equal(doc.paths['/health'], undefined, 'platform probes are not part of the API');
});

test("without mTLS the mesh trusts its network: the address a peer vouches for is the client's, else the socket's", async () => {
  const app = build();
  app.get('/whoami', (request) => ({ address: request.clientAddress }));
  const vouched = await app.inject({
    method: 'GET',
    url: '/whoami',
    headers: { 'x-client-address': '203.0.113.7' },
    remoteAddress: '127.0.0.9',
  });
  assert.deepEqual(vouched.json(), { address: '203.0.113.7' });
  const garbage = await app.inject({
    method: 'GET',
    url: '/whoami',
    headers: { 'x-client-address': 'not an address' },
    remoteAddress: '127.0.0.9',
  });
  assert.deepEqual(garbage.json(), { address: '127.0.0.9' });
  const none = await app.inject({ method: 'GET', url: '/whoami', remoteAddress: '127.0.0.9' });
  assert.deepEqual(none.json(), { address: '127.0.0.9' });
});
