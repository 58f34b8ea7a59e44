// The mesh client against real local servers standing in for remote instances.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { getEventListeners, once } from 'node:events';
import { context } from '@opentelemetry/api';
import { createMeshClient, DEADLINE_HEADER, detachedFromDeadline, withDeadline, type MeshEvent } from '@shop/mesh';
import { startTelemetry } from '@shop/telemetry';
import { freePort } from '../support/postgres.ts';

interface Stub {
  url: string;
  hits: number;
  behaviour: 'ok' | 'fail' | 'onBehalf' | 'shed' | 'slow' | 'hold';
  /** Answers every request held by 'hold'. */
  release(): void;
  lastHeaders: Record<string, string | string[] | undefined>;
  server: Server;
}

// The request context (trace and deadline) follows async work only with a context manager, as in every service.
startTelemetry({ service: 'test', instance: 'mesh-test', region: 'us-east', endpoint: undefined });

const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

async function stub(behaviour: Stub['behaviour'] = 'ok'): Promise<Stub> {
  const state = { hits: 0, behaviour, lastHeaders: {} } as Stub;
  const held: Array<() => void> = [];
  state.release = () => held.splice(0).forEach((answer) => answer());
  state.server = createServer((req, res) => {
    state.hits += 1;
    state.lastHeaders = req.headers;
    req.resume();
    if (state.behaviour === 'fail') {
      res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"code":"INTERNAL"}');
    } else if (state.behaviour === 'onBehalf') {
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{"code":"DEPENDENCY_UNAVAILABLE"}');
    } else if (state.behaviour === 'shed') {
      res
        .writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' })
        .end('{"code":"OVERLOADED"}');
    } else if (state.behaviour === 'hold') {
      held.push(() => res.writeHead(200).end('released'));
    } else if (state.behaviour === 'slow') {
      setTimeout(() => res.writeHead(200).end('late'), 2000).unref();
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, port: state.url }));
    }
  });
  servers.push(state.server);
  state.server.listen(0, '127.0.0.1');
  await once(state.server, 'listening');
  const address = state.server.address();
  state.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return state;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

const fastPolicy = {
  backoff: { initialMs: 1, maxMs: 5 },
  breaker: { threshold: 0.5, windowMs: 1000, minimumRps: 5, halfOpenAfterMs: 300 },
};

test('a dead instance (connection refused) costs no request: calls fail over and it is ejected', async () => {
  const alive = await stub();
  const dead = `http://127.0.0.1:${await freePort()}`;
  const events: MeshEvent[] = [];
  const client = createMeshClient({
    service: 'product',
    caller: 'order',
    instances: [dead, alive.url],
    policy: fastPolicy,
    onEvent: (e) => events.push(e),
  });
  for (let i = 0; i < 20; i++) {
    const response = await client.request({ method: 'POST', path: '/x', body: { i } }); // not idempotent: safe only because it never arrived
    assert.equal(response.status, 200);
  }
  assert.equal(alive.hits, 20);
  assert.ok(events.some((e) => e.type === 'eject' && e.instance === dead));
  await client.close();
});

test('a non-idempotent request that reached a failing instance is not retried; a keyed one is', async () => {
  const failing = await stub('fail');
  const client = createMeshClient({
    service: 'payment',
    caller: 'order',
    instances: [failing.url],
    policy: { ...fastPolicy, breaker: { ...fastPolicy.breaker, minimumRps: 1000 } },
  });
  const plain = await client.request({ method: 'POST', path: '/charge', body: {} });
  assert.equal(plain.status, 500);
  assert.equal(failing.hits, 1, 'sent once');
  const keyed = await client.request({
    method: 'POST',
    path: '/charge',
    body: {},
    headers: { 'idempotency-key': 'k1' },
  });
  assert.equal(keyed.status, 500);
  assert.equal(failing.hits, 1 + 3, 'a keyed request gets up to 3 attempts');
  await client.close();
});

test('the breaker opens on a failing service, answers at once without calling it, and closes when it recovers', async () => {
  const flaky = await stub('fail');
  const events: MeshEvent[] = [];
  const client = createMeshClient({
    service: 'payment',
    caller: 'order',
    instances: [flaky.url],
    policy: { ...fastPolicy, maxAttempts: 1, consecutiveFailuresToEject: 1000 },
    onEvent: (e) => events.push(e),
  });
  for (let i = 0; i < 10; i++) await client.request({ method: 'GET', path: '/x' }).catch(() => undefined);
  assert.equal(client.breakerState(), 'open');
  const hitsWhenOpen = flaky.hits;
  await assert.rejects(
    client.request({ method: 'GET', path: '/x' }),
    (error: { code?: string; message: string }) =>
      error.code === 'DEPENDENCY_UNAVAILABLE' && /circuit is open/.test(error.message),
  );
  assert.equal(flaky.hits, hitsWhenOpen, 'an open circuit sends nothing');
  flaky.behaviour = 'ok';
  await new Promise((resolve) => setTimeout(resolve, 350));
  const recovered = await client.request({ method: 'GET', path: '/x' });
  assert.equal(recovered.status, 200);
  assert.equal(client.breakerState(), 'closed');
  assert.deepEqual(
    events.filter((e) => e.type === 'breaker').map((e) => (e as { state: string }).state),
    ['open', 'half-open', 'closed'],
  );
  await client.close();
});

test('an instance shedding load (503 OVERLOADED) does not open the breaker; its caller throttles itself, and sends again once served', async () => {
  const busy = await stub('shed');
  const events: MeshEvent[] = [];
  const client = createMeshClient({
    service: 'user',
    caller: 'gateway',
    instances: [busy.url],
    policy: { ...fastPolicy, maxAttempts: 1, consecutiveFailuresToEject: 1000 },
    onEvent: (e) => events.push(e),
  });
  const calls = 40;
  const outcomes: Array<number | string | undefined> = [];
  for (let i = 0; i < calls; i++)
    outcomes.push(
      await client.request({ method: 'POST', path: '/users' }).then(
        (r) => r.status,
        (error: { code?: string }) => error.code,
      ),
    );
  assert.deepEqual(new Set(outcomes), new Set([503, 'OVERLOADED']), 'its 503 passed on, or refused here');
  assert.ok(busy.hits >= 10 && busy.hits < calls, `${busy.hits} of ${calls} calls reached the shedding instance`);
  assert.equal(client.breakerState(), 'closed');
  busy.behaviour = 'ok';
  // The throttle refuses at most 80% of calls, so one of these reaches it: the chance none does is 0.8^100.
  let served: number | undefined;
  for (let i = 0; i < 100 && served === undefined; i++)
    served = await client.request({ method: 'POST', path: '/users' }).then(
      (r) => r.status,
      () => undefined,
    );
  assert.equal(served, 200, 'the first call that reaches it is served');
  assert.deepEqual(
    events.filter((e) => e.type === 'breaker' || e.type === 'eject'),
    [],
  );
  await client.close();
});

test('an answer that speaks for a failure one hop further (503 DEPENDENCY_UNAVAILABLE) is passed on: no retry, no strike, no breaker', async () => {
  const relaying = await stub('onBehalf');
  const events: MeshEvent[] = [];
  const client = createMeshClient({
    service: 'order',
    caller: 'gateway',
    instances: [relaying.url],
    policy: { ...fastPolicy, consecutiveFailuresToEject: 3 },
    onEvent: (e) => events.push(e),
  });
  for (let i = 0; i < 20; i++) assert.equal((await client.request({ method: 'GET', path: '/orders/1' })).status, 503);
  assert.equal(relaying.hits, 20, 'one attempt per call: a GET that failed at the instance itself gets three');
  assert.equal(client.breakerState(), 'closed');
  assert.deepEqual(
    events.filter((e) => e.type === 'breaker' || e.type === 'eject'),
    [],
  );
  await client.close();
});

test('a slow instance times out within the attempt budget and the call goes to another', async () => {
  const slow = await stub('slow');
  const fast = await stub();
  const client = createMeshClient({
    service: 'product',
    caller: 'gateway',
    instances: [slow.url, fast.url],
    policy: { ...fastPolicy, attemptTimeoutMs: 100 },
  });
  for (let i = 0; i < 6; i++) {
    const response = await client.request({ method: 'GET', path: '/p' });
    assert.equal(response.status, 200);
  }
  assert.ok(slow.hits <= 1, `the slow instance was avoided after its first timeout (hits ${slow.hits})`);
  await client.close();
});

test('timeouts eject an instance only when they repeat: three in a row', async () => {
  const slow = await stub('slow');
  const events: MeshEvent[] = [];
  const policy = {
    ...fastPolicy,
    maxAttempts: 1,
    attemptTimeoutMs: 50,
    breaker: { ...fastPolicy.breaker, minimumRps: 1_000_000 },
  };
  const client = createMeshClient({
    service: 'product',
    caller: 'gateway',
    instances: [slow.url],
    policy,
    onEvent: (e) => events.push(e),
  });
  const ejections = () => events.filter((e) => e.type === 'eject').map((e) => (e as { reason: string }).reason);
  for (let i = 0; i < 2; i++)
    await assert.rejects(client.request({ method: 'GET', path: '/p' }), { code: 'DEADLINE_EXCEEDED' });
  assert.deepEqual(ejections(), [], 'two timeouts: still in rotation');
  await assert.rejects(client.request({ method: 'GET', path: '/p' }), { code: 'DEADLINE_EXCEEDED' });
  assert.deepEqual(ejections(), ['3 consecutive timeouts']);
  await client.close();
});

test('a slow survivor is not ejected while its peer is down: its timeouts would only move its load onto a dead instance', async () => {
  // The collapse this prevents: one instance killed, the machine saturated
  // while it restarts, the survivor answers late, each timeout ejected it, and
  // every call then went to the dead one or failed on an exhausted retry budget.
  const survivor = await stub('slow');
  const dead = `http://127.0.0.1:${await freePort()}`;
  const events: MeshEvent[] = [];
  const policy = {
    ...fastPolicy,
    attemptTimeoutMs: 50,
    breaker: { ...fastPolicy.breaker, minimumRps: 1_000_000 },
    ejection: { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 60_000, maxEjectionMs: 60_000 },
  };
  const client = createMeshClient({
    service: 'product',
    caller: 'gateway',
    instances: [dead, survivor.url],
    policy,
    onEvent: (e) => events.push(e),
  });
  for (let i = 0; i < 4; i++) await assert.rejects(client.request({ method: 'GET', path: '/p', timeoutMs: 400 }));
  assert.ok(survivor.hits >= 4, `every call reached the survivor (hits ${survivor.hits})`);
  assert.ok(
    events.some((e) => e.type === 'eject' && e.instance === dead),
    'the dead instance went out at once',
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'eject' && e.instance === survivor.url),
    [],
    'the survivor stayed in rotation',
  );
  survivor.behaviour = 'ok';
  const hits = survivor.hits;
  assert.equal(
    (await client.request({ method: 'GET', path: '/p', idempotent: false })).status,
    200,
    'a call that cannot be retried goes straight to the survivor',
  );
  assert.equal(survivor.hits, hits + 1);
  await client.close();
});

test('while a retry is still possible an attempt takes at most half the remaining budget; the last one takes all of it', async () => {
  const target = await stub();
  const retrying = createMeshClient({ service: 'product', caller: 'order', instances: [target.url] });
  await retrying.request({ method: 'GET', path: '/p', timeoutMs: 1000 });
  const first = Number(target.lastHeaders[DEADLINE_HEADER]);
  assert.ok(first > 0 && first <= 500, `first of three attempts: ${first} ms of 1000`);
  const single = createMeshClient({
    service: 'product',
    caller: 'order',
    instances: [target.url],
    policy: { maxAttempts: 1 },
  });
  await single.request({ method: 'GET', path: '/p', timeoutMs: 1000 });
  assert.ok(
    Number(target.lastHeaders[DEADLINE_HEADER]) > 900,
    `the only attempt: ${String(target.lastHeaders[DEADLINE_HEADER])} ms of 1000`,
  );
  await retrying.close();
  await single.close();
});

test('the remaining deadline travels with the request, and an exhausted one is not sent', async () => {
  const target = await stub();
  const client = createMeshClient({ service: 'product', caller: 'order', instances: [target.url] });
  await client.request({ method: 'GET', path: '/p', timeoutMs: 750 });
  const sent = Number(target.lastHeaders[DEADLINE_HEADER]);
  assert.ok(sent > 0 && sent <= 750, `deadline header ${sent}`);
  assert.equal(target.lastHeaders['x-caller'], 'order');
  await assert.rejects(client.request({ method: 'GET', path: '/p', timeoutMs: 0 }), { code: 'DEADLINE_EXCEEDED' });
  await client.close();
});

test('the bulkhead admits limit + queue concurrent calls to a destination and refuses the next with OVERLOADED', async () => {
  const held = await stub('hold');
  const client = createMeshClient({
    service: 'product',
    caller: 'gateway',
    instances: [held.url],
    policy: { ...fastPolicy, bulkhead: { limit: 2, queue: 1 } },
  });
  const admitted = [1, 2, 3].map(() => client.request({ method: 'GET', path: '/p' }));
  // Without a bulkhead this call would be held too, and time out instead.
  await assert.rejects(
    client.request({ method: 'GET', path: '/p', timeoutMs: 500 }),
    (error: { code?: string }) => error.code === 'OVERLOADED',
  );
  await until(() => held.hits >= 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(held.hits, 2, 'two run, one waits in the queue');
  held.release();
  await until(() => held.hits === 3);
  held.release();
  for (const response of await Promise.all(admitted)) assert.equal(response.status, 200);
  await client.close();
});

test('three consecutive 5xx eject an instance: traffic moves to the healthy one', async () => {
  const failing = await stub('fail');
  const healthy = await stub();
  const events: MeshEvent[] = [];
  const policy = {
    ...fastPolicy,
    breaker: { ...fastPolicy.breaker, minimumRps: 1_000_000 },
    ejection: { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 60_000, maxEjectionMs: 60_000 },
  };
  const client = createMeshClient({
    service: 'order',
    caller: 'gateway',
    instances: [failing.url, healthy.url],
    policy,
    onEvent: (e) => events.push(e),
  });
  // POST without a key: never retried, so each call shows which instance answered.
  for (let i = 0; i < 200 && failing.hits < 3; i++) await client.request({ method: 'POST', path: '/x', body: {} });
  assert.equal(failing.hits, 3);
  const statuses = [];
  for (let i = 0; i < 20; i++) statuses.push((await client.request({ method: 'POST', path: '/x', body: {} })).status);
  assert.equal(failing.hits, 3, 'the failing instance got nothing after its third 5xx');
  assert.deepEqual(new Set(statuses), new Set([200]));
  assert.ok(events.some((e) => e.type === 'eject' && e.instance === failing.url && /3 consecutive 500/.test(e.reason)));
  await client.close();
});

test("a call made while serving a request is bounded by that request's deadline, and detached work is not", async () => {
  const target = await stub();
  const client = createMeshClient({
    service: 'product',
    caller: 'order',
    instances: [target.url],
    policy: { maxAttempts: 1 },
  });
  await context.with(withDeadline(context.active(), Date.now() + 400), async () => {
    await client.request({ method: 'GET', path: '/p' });
    const inside = Number(target.lastHeaders[DEADLINE_HEADER]);
    assert.ok(inside > 0 && inside <= 400, `inside the request: ${inside} ms, not the default 5000`);
    await detachedFromDeadline(() => client.request({ method: 'GET', path: '/p' }));
    assert.ok(Number(target.lastHeaders[DEADLINE_HEADER]) > 400, "detached: the mesh's own budget");
  });
  await client.close();
});

test("a request queued behind an instance's busy connections times out within its budget instead of waiting for them", async () => {
  const busy = await stub('hold');
  const client = createMeshClient({
    service: 'product',
    caller: 'gateway',
    instances: [busy.url],
    policy: { ...fastPolicy, connectionsPerInstance: 1, maxAttempts: 1, attemptTimeoutMs: 10_000 },
  });
  const first = client.request({ method: 'GET', path: '/held', timeoutMs: 10_000 });
  await until(() => busy.hits === 1);
  let guard: NodeJS.Timeout | undefined;
  const second = await Promise.race([
    client.request({ method: 'GET', path: '/queued', timeoutMs: 200 }).then(
      () => 'answered',
      (error: { code?: string }) => error.code ?? 'error',
    ),
    new Promise<string>((resolve) => (guard = setTimeout(() => resolve('still waiting for the connection'), 3000))),
  ]);
  clearTimeout(guard);
  assert.equal(second, 'DEADLINE_EXCEEDED');
  busy.release();
  assert.equal((await first).status, 200);
  await client.close();
});

test("a caller's long-lived signal keeps no listener once each call's answer is done with, and still stops a body being read", async () => {
  const ok = await stub();
  const client = createMeshClient({ service: 'product', caller: 'order', instances: [ok.url], policy: fastPolicy });
  const stopping = new AbortController();
  for (let i = 0; i < 50; i++)
    assert.equal((await client.request({ method: 'GET', path: '/x', signal: stopping.signal })).status, 200);
  const failing = await stub('fail');
  const failingClient = createMeshClient({
    service: 'payment',
    caller: 'order',
    instances: [failing.url],
    policy: { ...fastPolicy, breaker: { ...fastPolicy.breaker, minimumRps: 1000 } },
  });
  assert.equal(
    (await failingClient.request({ method: 'POST', path: '/x', body: {}, signal: stopping.signal })).status,
    500,
  );
  failing.behaviour = 'onBehalf';
  assert.equal((await failingClient.request({ method: 'GET', path: '/x', signal: stopping.signal })).status, 503);
  assert.equal(getEventListeners(stopping.signal, 'abort').length, 0, 'answered calls left no listener');

  // A body not yet read still belongs to the caller's signal.
  const raw = await client.requestRaw({ method: 'GET', path: '/x', signal: stopping.signal });
  assert.equal(getEventListeners(stopping.signal, 'abort').length, 1);
  stopping.abort();
  await assert.rejects(raw.body.text());
  await client.close();
  await failingClient.close();
});
