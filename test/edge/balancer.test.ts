// The load balancer over real backend processes: spreading, passive ejection of
// a SIGKILLed backend with zero failed client requests, and active health checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
  balancer = createBalancer({
    backends: ports.map((p) => `http://127.0.0.1:${p}`),
    policy: { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 60_000, maxEjectionMs: 60_000 },
    healthIntervalMs: 3_600_000,
    healthTimeoutMs: 500,
    upstreamTimeoutMs: 5000,
    bodyLimitBytes: 1024,
    logger: createLogger({ service: 'lb', instance: 'lb-t', region: 'us-east', level: 'silent' }),
  });
  balancer.server.listen(0, '127.0.0.1');
  await once(balancer.server, 'listening');
  const address = balancer.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
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
