// The load balancer over real backend processes: spreading, passive ejection of
// a SIGKILLed backend with zero failed client requests, active health checks,
// a SIGTERMed (draining) gateway costing clients nothing, and a public side
// where a hostile client (slow uploads, too many connections) costs only itself.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createBalancer, type Balancer, type BalancerOptions } from '@shop/lb';
import { createLogger, errorCatalogue, type ErrorCode } from '@shop/platform';
import { repoRoot } from '../support/launcher.ts';
import { freePort } from '../support/postgres.ts';

const backends: ChildProcess[] = [];
let balancer: Balancer;
let base: string;
let opsBase: string;

async function startBackend(port: number, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'test/support/echoServer.ts'), String(port), name], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout, 'data');
  backends.push(child);
  return child;
}

before(async () => {
  const ports = [await freePort(), await freePort()];
  await startBackend(ports[0]!, 'a');
  await startBackend(ports[1]!, 'b');
  ({ balancer, base, opsBase } = await startBalancer(ports.map((p) => `http://127.0.0.1:${p}`)));
});

after(async () => {
  await balancer.close();
  for (const child of backends) child.kill('SIGKILL');
});

test('requests are spread over both backends and bodies pass through', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${base}/echo`, {
      method: 'POST',
      body: 'hello',
      headers: { 'idempotency-key': `k${i}` },
    });
    const body = (await response.json()) as { name: string; body: string };
    assert.equal(body.body, 'hello');
    names.add(body.name);
  }
  assert.deepEqual([...names].sort(), ['a', 'b']);
});

test('past its in-flight limit the balancer sheds at once with 503 OVERLOADED, and admits again when requests finish', async () => {
  const port = await freePort();
  await startBackend(port, 'slow');
  const { balancer: small, base: url } = await startBalancer([`http://127.0.0.1:${port}`], { maxInFlight: 2 });
  try {
    const held = [fetch(`${url}/echo?delayMs=1500`), fetch(`${url}/echo?delayMs=1500`)];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const shed = await fetch(`${url}/echo`);
    assert.equal(shed.status, 503);
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.equal(((await shed.json()) as { code: string }).code, 'OVERLOADED');
    assert.equal((await fetch(`${url}/health`)).status, 200, 'its own probes are always answered');
    for (const response of await Promise.all(held)) assert.equal(response.status, 200);
    assert.equal((await fetch(`${url}/echo`)).status, 200, 'admitted again once the held requests finished');
  } finally {
    await small.close();
  }
});

test('an oversized body is refused at the balancer with 413', async () => {
  const response = await fetch(`${base}/echo`, { method: 'POST', body: 'x'.repeat(5000) });
  assert.equal(response.status, 413);
});

test('SIGKILL of a backend under steady traffic: no failed request, the dead one ejected', async () => {
  const results: number[] = [];
  let stop = false;
  const loop = async (): Promise<void> => {
    while (!stop) {
      const response = await fetch(`${base}/echo?delayMs=5`).catch(() => undefined);
      results.push(response?.status ?? 0);
      await response?.arrayBuffer();
    }
  };
  const clients = Array.from({ length: 4 }, () => loop());
  await new Promise((resolve) => setTimeout(resolve, 300));
  backends[0]!.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 700));
  stop = true;
  await Promise.all(clients);
  assert.ok(results.length > 20, `traffic flowed (${results.length} requests)`);
  assert.deepEqual(
    results.filter((s) => s !== 200),
    [],
    'every request succeeded',
  );
  const status = (await (await fetch(`${opsBase}/lb/status`)).json()) as { backends: Array<{ ejected: boolean }> };
  assert.equal(status.backends[0]!.ejected, true);
});

test('active health checks mark the dead backend unhealthy after three failures', async () => {
  for (let i = 0; i < 3; i++) await balancer.checkHealth();
  assert.equal(balancer.backends.backends[0]!.healthy, false);
  assert.equal(balancer.backends.backends[1]!.healthy, true);
  const ready = await fetch(`${base}/ready`);
  assert.equal(ready.status, 200, 'still ready with one gateway in rotation');
});

/** A balancer over these backends, its public and ops sides each on a free port; active checks only when asked. */
async function startBalancer(
  urls: string[],
  options: Pick<BalancerOptions, 'maxInFlight' | 'client'> = {},
): Promise<{ balancer: Balancer; base: string; opsBase: string }> {
  const lb = createBalancer({
    ...options,
    backends: urls,
    policy: { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 60_000, maxEjectionMs: 60_000 },
    healthIntervalMs: 3_600_000,
    healthTimeoutMs: 500,
    upstreamTimeoutMs: 5000,
    bodyLimitBytes: 1024,
    logger: createLogger({ service: 'lb', instance: 'lb-drain', region: 'us-east', level: 'silent' }),
  });
  const baseOf = async (server: Balancer['server']): Promise<string> => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  return { balancer: lb, base: await baseOf(lb.server), opsBase: await baseOf(lb.ops) };
}

test('active checks ask /ready: a gateway alive but not ready (draining) leaves rotation', async (t) => {
  const draining = createServer((req, res) => res.writeHead(req.url === '/ready' ? 503 : 200).end());
  draining.listen(0, '127.0.0.1');
  await once(draining, 'listening');
  t.after(() => draining.close());
  const address = draining.address();
  const { balancer: lb } = await startBalancer([
    `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  ]);
  t.after(() => lb.close());
  for (let i = 0; i < 3; i++) await lb.checkHealth();
  assert.equal(lb.backends.backends[0]!.healthy, false);
});

test("a gateway that drops a write mid-flight: the balancer answers with the catalogue's status for its code", async (t) => {
  // Reads the request, then cuts the connection: the write may have arrived, so it is not retried.
  const dropping = createServer((req) => req.on('end', () => req.socket.destroy()).resume());
  dropping.listen(0, '127.0.0.1');
  await once(dropping, 'listening');
  t.after(() => dropping.close());
  const address = dropping.address();
  const { balancer: lb, base: url } = await startBalancer([
    `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  ]);
  t.after(() => lb.close());
  const response = await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
  const problem = (await response.json()) as { code: ErrorCode; status: number };
  assert.equal(problem.code, 'DEPENDENCY_UNAVAILABLE');
  assert.equal(response.status, errorCatalogue[problem.code].status, 'the status the catalogue gives the code');
  assert.equal(problem.status, response.status);
  assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(response.headers.get('retry-after'), '1');
});

describe('in front of gateways that drain on SIGTERM', () => {
  const gateways: ChildProcess[] = [];
  let lb: Balancer;
  let lbBase: string;

  async function startGateway(port: number, name: string): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'test/edge/fixtures/drainingBackend.ts'), String(port), name],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(child.stdout, 'data');
    gateways.push(child);
    return child;
  }

  before(async () => {
    const ports = [await freePort(), await freePort()];
    await startGateway(ports[0]!, 'a');
    await startGateway(ports[1]!, 'b');
    ({ balancer: lb, base: lbBase } = await startBalancer(ports.map((p) => `http://127.0.0.1:${p}`)));
  });

  after(async () => {
    await lb.close();
    for (const child of gateways) if (child.exitCode === null) child.kill('SIGKILL');
  });

  test("the gateway learns the client's address: the balancer appends its peer to X-Forwarded-For", async () => {
    const plain = (await (await fetch(`${lbBase}/echo`)).json()) as { forwardedFor: string };
    assert.match(plain.forwardedFor, /^(::ffff:)?127\.0\.0\.1$/);
    const proxied = (await (
      await fetch(`${lbBase}/echo`, { headers: { 'x-forwarded-for': '203.0.113.5' } })
    ).json()) as { forwardedFor: string };
    assert.match(proxied.forwardedFor, /^203\.0\.113\.5, (::ffff:)?127\.0\.0\.1$/);
  });

  test('SIGTERM of a gateway under steady traffic: zero failed client requests', async () => {
    const failures: string[] = [];
    const servedBy = new Map<string, number>();
    let sent = 0;
    let stop = false;
    const loop = async (client: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        sent += 1;
        // Safe requests only: reads, and writes carrying an Idempotency-Key.
        const init: RequestInit =
          i % 2 === 0 ? {} : { method: 'POST', body: '{}', headers: { 'idempotency-key': `c${client}-${i}` } };
        try {
          const response = await fetch(`${lbBase}/echo?delayMs=40`, init);
          const body = await response.text();
          if (response.status !== 200) failures.push(`${response.status} ${body}`);
          else {
            const name = (JSON.parse(body) as { name: string }).name;
            servedBy.set(name, (servedBy.get(name) ?? 0) + 1);
          }
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => loop(c));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const a = gateways[0]!;
    a.kill('SIGTERM');
    const [code] = (await once(a, 'exit')) as [number | null];
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(clients);
    assert.equal(code, 0, 'the gateway drained and exited cleanly');
    assert.ok(
      (servedBy.get('a') ?? 0) > 0 && (servedBy.get('b') ?? 0) > 0,
      `both served (${JSON.stringify([...servedBy])})`,
    );
    assert.deepEqual(failures, [], `every one of ${sent} requests succeeded`);
  });
});

describe('at the public entry, against hostile clients', () => {
  // Raw sockets, so a test can send half a request; every one is destroyed at the end.
  const sockets: Socket[] = [];
  let backendUrl: string;

  before(async () => {
    const port = await freePort();
    await startBackend(port, 'hostile');
    backendUrl = `http://127.0.0.1:${port}`;
  });

  after(() => {
    for (const socket of sockets) socket.destroy();
  });

  /** A raw connection from `localAddress` to the balancer: what it received, and when (performance.now()) it closed. */
  async function open(
    url: string,
    localAddress = '127.0.0.1',
  ): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(url).port), localAddress });
    sockets.push(socket);
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    await once(socket, 'connect');
    return { socket, received: () => received, closed };
  }

  /** POST headers announcing a 1000-byte body, then a byte every `everyMs` (until the socket closes). */
  async function slowUpload(
    url: string,
    everyMs = 200,
  ): Promise<{ socket: Socket; received: () => string; closed: Promise<number>; sentAt: number }> {
    const connection = await open(url);
    connection.socket.write(
      'POST /echo HTTP/1.1\r\nhost: shop\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{',
    );
    const sentAt = performance.now();
    const drip = setInterval(() => connection.socket.write(' '), everyMs);
    void connection.closed.then(() => clearInterval(drip));
    return { ...connection, sentAt };
  }

  /** Resolves with the time it closed, or undefined if it is still open after `ms`. */
  function closedWithin(closed: Promise<number>, ms: number): Promise<number | undefined> {
    return Promise.race([closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
  }

  /** A raw HTTP answer: status, lower-cased headers and body. */
  function parse(raw: string): { status: number; headers: Record<string, string>; body: string } {
    const [head = '', body = ''] = raw.split('\r\n\r\n', 2);
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  /** GET from a given local address (another client to the balancer). */
  function get(
    url: string,
    localAddress: string,
  ): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { localAddress, agent: false, signal: AbortSignal.timeout(5000) }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));

  /** A balancer for one test: closed after it, its raw sockets destroyed first (so a failure leaves nothing open to wait for). */
  async function startFor(t: TestContext, options: Pick<BalancerOptions, 'maxInFlight' | 'client'>): Promise<string> {
    const { balancer: lb, base: url } = await startBalancer([backendUrl], options);
    t.after(async () => {
      for (const socket of sockets) socket.destroy();
      await lb.close();
    });
    return url;
  }

  test("uploads still arriving do not count against everyone's admission: past maxInFlight of them, another client is served", async (t) => {
    const url = await startFor(t, { maxInFlight: 2 });
    for (let i = 0; i < 4; i++) await slowUpload(url);
    await settle();
    const response = await get(`${url}/echo`, '127.0.0.2');
    assert.equal(
      response.status,
      200,
      `another client is admitted while 4 uploads dribble in (got ${response.status} ${response.body})`,
    );
  });

  test('a body not here by the body deadline is answered 408 REQUEST_TIMEOUT and its connection closed', async (t) => {
    const url = await startFor(t, { client: { bodyTimeoutMs: 500 } });
    const upload = await slowUpload(url);
    const closedAt = await closedWithin(upload.closed, 3000);
    assert.ok(closedAt !== undefined, 'the dribbling upload was cut off');
    assert.ok(
      closedAt - upload.sentAt < 1500,
      `cut off near the 500 ms deadline (after ${Math.round(closedAt - upload.sentAt)} ms)`,
    );
    const answer = parse(upload.received());
    assert.equal(answer.status, 408);
    assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(answer.headers.connection, 'close');
    assert.equal((JSON.parse(answer.body) as { code: string }).code, 'REQUEST_TIMEOUT');
  });

  test('headers not complete by the headers deadline are answered 408 REQUEST_TIMEOUT and the connection closed', async (t) => {
    const url = await startFor(t, { client: { headersTimeoutMs: 500, requestTimeoutMs: 1000 } });
    const connection = await open(url);
    connection.socket.write('GET /echo HTTP/1.1\r\nhost: shop\r\nx-slow: ');
    const sentAt = performance.now();
    const drip = setInterval(() => connection.socket.write('a'), 100);
    t.after(() => clearInterval(drip));
    const closedAt = await closedWithin(connection.closed, 3000);
    assert.ok(closedAt !== undefined, 'the dribbling head was cut off');
    assert.ok(closedAt - sentAt < 1500, `cut off near the 500 ms deadline (after ${Math.round(closedAt - sentAt)} ms)`);
    const answer = parse(connection.received());
    assert.equal(answer.status, 408);
    assert.equal((JSON.parse(answer.body) as { code: string }).code, 'REQUEST_TIMEOUT');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  });

  test("past its address's in-flight cap a request is answered 429 RATE_LIMITED with Retry-After; another address is served", async (t) => {
    const url = await startFor(t, { client: { maxInFlight: 2 } });
    await slowUpload(url);
    await slowUpload(url);
    await settle();
    const refused = await get(`${url}/echo`, '127.0.0.1');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal((JSON.parse(refused.body) as { code: string }).code, 'RATE_LIMITED');
    assert.equal((await get(`${url}/echo`, '127.0.0.2')).status, 200, 'another address has its own budget');
    for (const socket of sockets) socket.destroy();
    await settle();
    assert.equal(
      (await get(`${url}/echo`, '127.0.0.1')).status,
      200,
      'the address is served again once its uploads are gone',
    );
  });

  test("past its address's connection cap a new connection is closed at once; another address connects", async (t) => {
    const url = await startFor(t, { client: { maxConnections: 2 } });
    const first = await open(url);
    await open(url);
    await settle();
    const third = await open(url);
    assert.ok(
      (await closedWithin(third.closed, 1500)) !== undefined,
      'the third connection from one address was closed',
    );
    assert.equal((await get(`${url}/echo`, '127.0.0.2')).status, 200, 'another address connects');
    first.socket.destroy();
    await settle();
    const again = await open(url);
    again.socket.write('GET /echo HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\r\n');
    await closedWithin(again.closed, 3000);
    assert.equal(parse(again.received()).status, 200, 'a place freed by a closed connection is taken again');
  });

  test('closing does not wait for a connection that never finished a request', async (t) => {
    const { balancer: lb, base: url } = await startBalancer([backendUrl]);
    t.after(() => {
      for (const socket of sockets) socket.destroy();
    });
    const silent = await open(url);
    const dribbling = await open(url);
    dribbling.socket.write('GET /echo HTTP/1.1\r\nhost: shop\r\n');
    await settle();
    const closedIn = await Promise.race([
      lb.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 3000)),
    ]);
    assert.equal(closedIn, 'closed', 'the balancer closed at once');
    assert.ok(
      (await closedWithin(silent.closed, 1000)) !== undefined &&
        (await closedWithin(dribbling.closed, 1000)) !== undefined,
      'both connections were dropped',
    );
  });

  test('/lb/status is answered on the ops listener only: 404 on the public side', async () => {
    const publicAnswer = await fetch(`${base}/lb/status`);
    assert.equal(publicAnswer.status, 404);
    assert.equal(((await publicAnswer.json()) as { code: string }).code, 'NOT_FOUND');
    const opsAnswer = await fetch(`${opsBase}/lb/status`);
    assert.equal(opsAnswer.status, 200);
    assert.equal(((await opsAnswer.json()) as { backends: unknown[] }).backends.length, 2);
    assert.equal((await fetch(`${base}/health`)).status, 200, 'the probes stay on the public side');
  });

  test('every answer the balancer writes itself says nosniff and no-store', async () => {
    for (const response of [
      await fetch(`${base}/health`),
      await fetch(`${base}/ready`),
      await fetch(`${base}/echo`, { method: 'POST', body: 'x'.repeat(5000) }),
    ]) {
      await response.arrayBuffer();
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', `${response.url} ${response.status}`);
      assert.equal(response.headers.get('cache-control'), 'no-store', `${response.url} ${response.status}`);
    }
  });
});
