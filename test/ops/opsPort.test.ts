// Kubernetes-style probes and a stock Prometheus: every instance has a plain-HTTP ops port on
// loopback serving /health, /ready and /metrics without a client certificate, while its service
// port still refuses plaintext. Real processes, started by the launcher as `npm start` does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { startLauncher, waitFor, writeTopology, type RunningLauncher } from '../support/launcher.ts';
import { freePort, scratchDir } from '../support/postgres.ts';

// Below 32768 (Linux's ephemeral range); ops ports are portBase + 500 + the instance's slot.
const portBase = 19_000;
const userPort = portBase + 1;
const userOps = portBase + 501;
let launcher: RunningLauncher;
let dir: string;

before(async () => {
  dir = await scratchDir('ops-port');
  const topology = await writeTopology(dir, portBase, { user: 1 });
  launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: {
      EMBEDDED_PG_PORT: String(await freePort()),
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
      SMTP_URL: 'smtp://127.0.0.1:9',
    },
  });
});

after(async () => {
  if (launcher.child.exitCode === null) await launcher.interrupt();
  await rm(dir, { recursive: true, force: true });
});

test('the ops port answers /ready, /health and /metrics over plain HTTP with no client certificate', async () => {
  const ready = await fetch(`http://127.0.0.1:${userOps}/ready`);
  assert.equal(ready.status, 200);
  assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  const health = await fetch(`http://127.0.0.1:${userOps}/health`);
  assert.deepEqual(await health.json(), { status: 'ok', service: 'user', instance: 'user-1' });
  const metrics = await fetch(`http://127.0.0.1:${userOps}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(await metrics.text(), /^db_pool_/m, "the service's own metrics, not an empty registry");
});

test('the ops port serves nothing else: an API route there is a 404 problem', async () => {
  const response = await fetch(`http://127.0.0.1:${userOps}/users/me`);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
});

test('the service port still refuses plaintext, /ready included', async () => {
  await assert.rejects(fetch(`http://127.0.0.1:${userPort}/ready`));
  assert.equal((await launcher.get(userPort, '/ready')).status, 200, 'over mTLS it answers');
});

test('the launcher shows each ops port in its table and in launcher.json', async () => {
  assert.match(launcher.output(), /service\s+instance\s+region\s+pid\s+port\s+ops\s+url/);
  assert.match(launcher.output(), new RegExp(`user-1\\s+us-east\\s+\\d+\\s+${userPort}\\s+${userOps}\\s`));
  const user = (await launcher.state()).instances.find((i) => i.id === 'user-1') as { opsPort?: number };
  assert.equal(user.opsPort, userOps);
});

test('an instance announces its ops address in the registry', async () => {
  const secrets = JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8')) as { postgres: string };
  const { postgres } = await launcher.state();
  const db = new pg.Client({
    connectionString: `postgres://postgres:${secrets.postgres}@127.0.0.1:${postgres.port}/shop_registry`,
  });
  await db.connect();
  try {
    const row = await waitFor(
      'user-1 registered',
      async () =>
        (await db.query<{ ops_url: string | null }>("SELECT ops_url FROM instances WHERE instance_id = 'user-1'"))
          .rows[0],
      5000,
    );
    assert.equal(row.ops_url, `http://127.0.0.1:${userOps}`);
  } finally {
    await db.end();
  }
});
