// `npm start` as a user runs it: embedded PostgreSQL, every instance a real
// process on a real port, supervision, and a clean stop on Ctrl-C.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { isAlive, startLauncher, status, waitFor, writeTopology, type RunningLauncher } from './support/launcher.ts';
import { freePort, scratchDir } from './support/postgres.ts';

const portBase = 21_000;
let launcher: RunningLauncher;
let dir: string;

before(async () => {
  dir = await scratchDir('launcher');
  const topology = await writeTopology(dir, portBase, { user: 2, product: 2, order: 2, payment: 2, notification: 2 });
  launcher = await startLauncher({ dataDir: dir, topology, env: { EMBEDDED_PG_PORT: String(await freePort()) } });
});

after(async () => {
  if (launcher.child.exitCode === null) await launcher.interrupt();
  await rm(dir, { recursive: true, force: true });
});

test('prints one table of what runs where, with every instance and the database', () => {
  const out = launcher.output();
  assert.match(out, /service\s+instance\s+region\s+pid\s+port\s+url/);
  for (const id of ['user-1', 'user-2', 'product-1', 'order-2', 'payment-1', 'notification-2']) assert.match(out, new RegExp(`\\b${id}\\b`));
  assert.match(out, /postgres\s+embedded/);
});

test('every instance is a separate live process, healthy and ready', async () => {
  const state = await launcher.state();
  assert.equal(state.instances.length, 10);
  const pids = new Set(state.instances.map((i) => i.pid));
  assert.equal(pids.size, 10, 'ten distinct OS processes');
  for (const instance of state.instances) {
    assert.ok(instance.pid !== undefined && isAlive(instance.pid), `${instance.id} is alive`);
    assert.equal(await status(`http://127.0.0.1:${instance.port}/health`), 200, `${instance.id} /health`);
    assert.equal(await status(`http://127.0.0.1:${instance.port}/ready`), 200, `${instance.id} /ready`);
  }
});

test('metrics expose request counts, latency histograms, pool usage and event-loop lag', async () => {
  const port = portBase + 11; // product-1
  await status(`http://127.0.0.1:${port}/health`);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(text, /http_requests_total\{[^}]*route="\/health"[^}]*status="200"/);
  assert.match(text, /http_request_duration_seconds_bucket\{/);
  assert.match(text, /db_pool_connections_max\{[^}]*pool="primary"[^}]*\} 5/);
  assert.match(text, /nodejs_eventloop_lag_p99_seconds/);
  assert.match(text, /instance="product-1"/);
});

test('kill -9 of an instance: the launcher restarts it and it becomes ready again', async () => {
  const before = (await launcher.state()).instances.find((i) => i.id === 'order-1')!;
  process.kill(before.pid!, 'SIGKILL');
  const restarted = await waitFor(
    'order-1 to be restarted',
    async () => {
      const now = (await launcher.state()).instances.find((i) => i.id === 'order-1');
      return now && now.pid !== undefined && now.pid !== before.pid ? now : undefined;
    },
    10_000,
  );
  assert.equal(restarted.restarts, before.restarts + 1);
  await waitFor('order-1 ready', async () => ((await status(`http://127.0.0.1:${restarted.port}/ready`)) === 200 ? true : undefined), 10_000);
  assert.match(launcher.output(), /order-1 \(pid \d+\) stopped by signal SIGKILL; restart #1/);
});

test('Ctrl-C stops every instance and the database, leaving no process behind', async () => {
  const state = await launcher.state();
  const pids = [...state.instances.map((i) => i.pid!), state.postgres.pid!];
  assert.equal(pids.length, 11);
  const code = await launcher.interrupt();
  assert.equal(code, 0);
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
  assert.match(launcher.output(), /no process left behind/);
});
