import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { once } from 'node:events';
import { Agent } from 'undici';
import { makeAttempt, type AttemptTarget, type CallPlan } from './attempt.ts';
import { BackendSet } from './backends.ts';
import { PassiveEjection } from './ejection.ts';
import { AttemptFailure } from './failure.ts';
import { DEADLINE_HEADER } from './deadline.ts';

const servers: Server[] = [];
const dispatcher = new Agent({ connect: { timeout: 1000 } });
after(async () => {
  servers.forEach((s) => s.close());
  await dispatcher.close();
});

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function target(urls: string[]): AttemptTarget & { ejected: string[] } {
  const backends = new BackendSet(urls, {
    unhealthyThreshold: 3,
    healthyThreshold: 2,
    baseEjectionMs: 1000,
    maxEjectionMs: 1000,
  });
  const ejected: string[] = [];
  const ejection = new PassiveEjection({
    backends,
    threshold: 3,
    now: Date.now,
    listener: { onEject: (url, reason) => ejected.push(`${url} ${reason}`) },
  });
  const base = { service: 'product', caller: 'order', dispatcher, backends, ejection, now: Date.now };
  return { ...base, attemptTimeoutMs: 2000, maxAttempts: 3, ejected };
}

function plan(method: string, overrides: Partial<CallPlan> = {}): CallPlan {
  const idempotent = method === 'GET';
  return {
    req: { method, path: '/p' },
    headers: {},
    deadline: Date.now() + 1000,
    tried: new Set(),
    idempotent,
    hedgeable: idempotent,
    streaming: false,
    attempts: 1,
    ...overrides,
  };
}

test('an answer comes back with its instance; the callee is told the caller and its deadline', async () => {
  let seen: Record<string, unknown> = {};
  const url = await serve((req, res) => {
    seen = req.headers;
    res.end('ok');
  });
  const response = await makeAttempt(target([url]))(plan('GET'));
  assert.equal(await response.body.text(), 'ok');
  assert.equal(response.upstream, url);
  assert.equal(seen['x-caller'], 'order');
  const sent = Number(seen[DEADLINE_HEADER]);
  assert.ok(sent > 0 && sent <= 500, `a first of three hedgeable attempts takes at most half: ${sent}`);
});

test('a refused connection: kind refused, retryable even for a write, the instance ejected at once', async () => {
  const closed = await serve(() => undefined);
  servers.pop()!.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const t = target([closed]);
  await assert.rejects(makeAttempt(t)(plan('POST')), (error: unknown) => {
    assert.ok(error instanceof AttemptFailure);
    assert.equal(error.kind, 'refused');
    assert.equal(error.retryable, true);
    return true;
  });
  assert.deepEqual(t.ejected, [`${closed} ECONNREFUSED`]);
});

test('a connection cut mid-request: kind reset, a write not retryable', async () => {
  const url = await serve((req) => req.socket.destroy());
  await assert.rejects(makeAttempt(target([url]))(plan('POST')), (error: unknown) => {
    assert.ok(error instanceof AttemptFailure);
    assert.equal(error.kind, 'reset');
    assert.equal(error.retryable, false);
    return true;
  });
});

test('no answer within the attempt time: kind timeout (from the abort reason, not a message)', async () => {
  const url = await serve(() => undefined);
  const attempt = makeAttempt(target([url]));
  await assert.rejects(attempt(plan('GET', { deadline: Date.now() + 60 })), (error: unknown) => {
    assert.ok(error instanceof AttemptFailure);
    assert.equal(error.kind, 'timeout');
    return true;
  });
});

test('a 5xx is a failure of kind status with the answer kept; a shed 503 is marked as such', async () => {
  const url = await serve((_req, res) => res.writeHead(503).end('{"code":"OVERLOADED"}'));
  await assert.rejects(makeAttempt(target([url]))(plan('GET')), (error: unknown) => {
    assert.ok(error instanceof AttemptFailure);
    assert.equal(error.kind, 'status');
    assert.equal(error.shed, true);
    assert.equal(error.answer?.status, 503);
    assert.equal(error.answer?.body.toString(), '{"code":"OVERLOADED"}');
    return true;
  });
});

test('no time left before any attempt: the call ends DEADLINE_EXCEEDED, not a failure of the instance', async () => {
  const url = await serve((_req, res) => res.end());
  await assert.rejects(makeAttempt(target([url]))(plan('GET', { deadline: Date.now() - 1 })), {
    name: 'MeshError',
    code: 'DEADLINE_EXCEEDED',
  });
});
