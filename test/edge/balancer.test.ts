// The load balancer over real backend processes: spreading, passive ejection of
// a SIGKILLed backend with zero failed client requests, active health checks,
// and a SIGTERMed (draining) gateway costing clients nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createBalancer, type Balancer } from '@shop/lb';
import { createLogger } from '@shop/platform';
import { repoRoot } from '../support/launcher.ts';
import { freePort } from '../support/postgres.ts';

const backends: ChildProcess[] = [];
let balancer: Balancer;
let base: string;

async function startBackend(port: number, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'test/support/echoServer.ts'), String(port), name], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  backends.push(child);
  return child;
}

before(async () => {
  const ports = [await freePort(), await freePort()];
  await startBackend(ports[0]!, 'a');
  await startBackend(ports[1]!, 'b');
  ({ balancer, base } = await startBalancer(ports.map((p) => `http://127.0.0.1:${p}`)));
});

after(async () => {
  await balancer.close();
  for (const child of backends) child.kill('SIGKILL');
});

test('requests are spread over both backends and bodies pass through', async () => {
  const names = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${base}/echo`, { method: 'POST', body: 'hello', headers: { 'idempotency-key': `k${i}` } });
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
  assert.deepEqual(results.filter((s) => s !== 200), [], 'every request succeeded');
  const status = (await (await fetch(`${base}/lb/status`)).json()) as { backends: Array<{ ejected: boolean }> };
  assert.equal(status.backends[0]!.ejected, true);
});

test('active health checks mark the dead backend unhealthy after three failures', async () => {
  for (let i = 0; i < 3; i++) await balancer.checkHealth();
  assert.equal(balancer.backends.backends[0]!.healthy, false);
  assert.equal(balancer.backends.backends[1]!.healthy, true);
  const ready = await fetch(`${base}/ready`);
  assert.equal(ready.status, 200, 'still ready with one gateway in rotation');
});

/** A balancer over these backends, listening on a free port; active checks only when asked. */
function startBalancer(urls: string[], options: { maxInFlight?: number } = {}): Promise<{ balancer: Balancer; base: string }> {
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
  lb.server.listen(0, '127.0.0.1');
  return once(lb.server, 'listening').then(() => {
    const address = lb.server.address();
    return { balancer: lb, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
  });
}

test('active checks ask /ready: a gateway alive but not ready (draining) leaves rotation', async (t) => {
  const draining = createServer((req, res) => res.writeHead(req.url === '/ready' ? 503 : 200).end());
  draining.listen(0, '127.0.0.1');
  await once(draining, 'listening');
  t.after(() => draining.close());
  const address = draining.address();
  const { balancer: lb } = await startBalancer([`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`]);
  t.after(() => lb.close());
  for (let i = 0; i < 3; i++) await lb.checkHealth();
  assert.equal(lb.backends.backends[0]!.healthy, false);
});

describe('in front of gateways that drain on SIGTERM', () => {
  const gateways: ChildProcess[] = [];
  let lb: Balancer;
  let lbBase: string;

  async function startGateway(port: number, name: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, [join(repoRoot, 'test/edge/fixtures/drainingBackend.ts'), String(port), name], { stdio: ['ignore', 'pipe', 'inherit'] });
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

  test('the gateway learns the client\'s address: the balancer appends its peer to X-Forwarded-For', async () => {
    const plain = (await (await fetch(`${lbBase}/echo`)).json()) as { forwardedFor: string };
    assert.match(plain.forwardedFor, /^(::ffff:)?127\.0\.0\.1$/);
    const proxied = (await (await fetch(`${lbBase}/echo`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).json()) as { forwardedFor: string };
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
        const init: RequestInit = i % 2 === 0 ? {} : { method: 'POST', body: '{}', headers: { 'idempotency-key': `c${client}-${i}` } };
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
    assert.ok((servedBy.get('a') ?? 0) > 0 && (servedBy.get('b') ?? 0) > 0, `both served (${JSON.stringify([...servedBy])})`);
    assert.deepEqual(failures, [], `every one of ${sent} requests succeeded`);
  });
});
