// Readiness tracks the database: stop PostgreSQL and every instance reports
// not-ready within 2 s; start it again and they recover without restarts.
import { after, before, test } from 'node:test';
import { rm } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { startLauncher, waitFor, writeTopology, type RunningLauncher } from './support/launcher.ts';
import { scratchDir, startEmbeddedCluster, type TestCluster } from './support/postgres.ts';

let cluster: TestCluster;
let launcher: RunningLauncher;
let dir: string;

before(async () => {
  cluster = await startEmbeddedCluster('readiness');
  dir = await scratchDir('readiness-launcher');
  const topology = await writeTopology(dir, 22_000, { user: 1, product: 1, order: 1, payment: 1, notification: 1 });
  // DATABASE_URL set: the launcher uses this server as it would any external one.
  launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: { DATABASE_URL: cluster.adminUrl, PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9', SMTP_URL: 'smtp://127.0.0.1:9' },
  });
});

after(async () => {
  await launcher.interrupt();
  await cluster.close();
  await rm(dir, { recursive: true, force: true });
});

test('with DATABASE_URL set the launcher runs on that server instead of starting its own', async () => {
  const state = await launcher.state();
  assert.equal(state.postgres.kind, 'external');
  assert.equal(state.postgres.port, cluster.port);
});

test('PostgreSQL stopped: every instance not-ready within 2 s; back: ready again, no restarts', async () => {
  const instances = (await launcher.state()).instances.filter((i) =>
    ['user', 'product', 'order', 'payment', 'notification'].includes(i.service),
  );
  assert.equal(instances.length, 5);
  const status = async (port: number, path: string) => (await launcher.get(port, path)).status;
  for (const i of instances) assert.equal(await status(i.port, '/ready'), 200);

  // The clock starts when the server is told to stop; instances are watched
  // while it shuts down, not only after its process has exited.
  const stoppedAt = Date.now();
  const stopping = cluster.server.stop();
  const notReadyAfter = await Promise.all(
    instances.map((i) =>
      waitFor(
        `${i.id} not ready`,
        async () => ((await status(i.port, '/ready')) === 503 ? Date.now() - stoppedAt : undefined),
        2000,
      ),
    ),
  );
  await stopping;
  assert.ok(Math.max(...notReadyAfter) <= 2000, `all not-ready within 2 s (slowest ${Math.max(...notReadyAfter)} ms)`);
  for (const i of instances) assert.equal(await status(i.port, '/health'), 200, `${i.id} is still alive`);

  const problem = JSON.parse((await launcher.get(instances[0]!.port, '/ready')).text) as { code: string };
  assert.equal(problem.code, 'NOT_READY');

  await cluster.server.start();
  await Promise.all(
    instances.map((i) =>
      waitFor(`${i.id} ready again`, async () => ((await status(i.port, '/ready')) === 200 ? true : undefined), 10_000),
    ),
  );
  const after = await launcher.state();
  assert.deepEqual(
    after.instances.filter((i) => instances.some((s) => s.id === i.id)).map((i) => [i.id, i.pid, i.restarts]),
    instances.map((i) => [i.id, i.pid, 0]),
  );
});
