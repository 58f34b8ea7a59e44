// Discovery on PostgreSQL: registration with heartbeats, eviction of the
// silent, deregistration on shutdown, and mesh clients following the live set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Database, PgRegistry, dropServiceDatabases, provisionServiceDatabases } from '@shop/data';
import { createMeshClient, startRegistration, watchInstances } from '@shop/mesh';
import { createDiscovery, createLogger, type PeerClient } from '@shop/platform';
import { startEmbeddedCluster, uniquePrefix, type TestCluster } from '../support/postgres.ts';
import { waitFor } from '../support/launcher.ts';

let cluster: TestCluster;
let db: Database;
let registry: PgRegistry;
let registryUrl: string;
const prefix = uniquePrefix('reg');

before(async () => {
  cluster = await startEmbeddedCluster('registry');
  const [provisioned] = await provisionServiceDatabases({
    adminUrl: cluster.adminUrl,
    services: ['registry'],
    prefix,
    password: () => 'pw',
  });
  registryUrl = provisioned!.url;
  db = new Database({ connectionString: registryUrl, max: 4, acquireTimeoutMs: 2000 });
  registry = new PgRegistry(db);
});

after(async () => {
  await db.close();
  await dropServiceDatabases({ adminUrl: cluster.adminUrl, services: ['registry'], prefix });
  await cluster.close();
});

const record = (n: number, service = 'product') => ({
  service,
  region: 'us-east',
  instanceId: `${service}-${n}`,
  url: `https://127.0.0.1:71${n}`,
});

test('instances that heartbeat are listed per service and region; a deregistered one is gone at once', async () => {
  await Promise.all([
    registry.heartbeat(record(1), 5000),
    registry.heartbeat(record(2), 5000),
    registry.heartbeat(record(1, 'user'), 5000),
    registry.heartbeat({ ...record(3), region: 'eu-west' }, 5000),
  ]);
  assert.deepEqual(
    (await registry.list('product', 'us-east')).map((r) => r.instanceId),
    ['product-1', 'product-2'],
  );
  await registry.deregister('product-1');
  assert.deepEqual(
    (await registry.list('product', 'us-east')).map((r) => r.instanceId),
    ['product-2'],
  );
});

test('an instance that stops heartbeating (killed) is evicted when its lease runs out', async () => {
  await registry.heartbeat(record(7, 'order'), 200);
  assert.equal((await registry.list('order', 'us-east')).length, 1);
  await waitFor(
    'eviction',
    async () => ((await registry.list('order', 'us-east')).length === 0 ? true : undefined),
    3000,
    50,
  );
});

test('registration keeps beating until stopped, then deregisters', async () => {
  const registration = startRegistration(registry, record(1, 'payment'), { intervalMs: 50, ttlMs: 150 });
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal((await registry.list('payment', 'us-east')).length, 1, 'still listed well past one TTL');
  await registration.stop();
  assert.equal((await registry.list('payment', 'us-east')).length, 0);
});

test('a mesh client follows the registry: a newly registered instance starts receiving calls', async () => {
  const hits = new Map<string, number>();
  const servers = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const server = createServer((req, res) => {
        hits.set(name, (hits.get(name) ?? 0) + 1);
        req.resume();
        res.end('{}');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const address = server.address();
      return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
    }),
  );
  const client = createMeshClient({ service: 'notification', caller: 'order', instances: [servers[0]!.url] });
  await registry.heartbeat(
    { service: 'notification', region: 'us-east', instanceId: 'n-a', url: servers[0]!.url },
    10_000,
  );
  await registry.heartbeat(
    { service: 'notification', region: 'us-east', instanceId: 'n-b', url: servers[1]!.url },
    10_000,
  );
  const watcher = watchInstances(registry, 'notification', 'us-east', client, { intervalMs: 50 });
  try {
    await waitFor(
      'the client to learn of b',
      () => Promise.resolve(client.instances().length === 2 ? true : undefined),
      3000,
    );
    for (let i = 0; i < 20; i++) await client.request({ method: 'GET', path: '/' });
    assert.ok(
      (hits.get('b') ?? 0) > 0 && (hits.get('a') ?? 0) > 0,
      `both instances served: ${JSON.stringify([...hits])}`,
    );
  } finally {
    watcher.stop();
    await client.close();
    servers.forEach((s) => s.server.close());
  }
});

test("a process's discovery follows each region it watches in that region", async () => {
  // The roadmap's gateways watch a peer in their own region and in a failover region: neither list may leak into the other.
  await registry.heartbeat(
    { service: 'search', region: 'us-east', instanceId: 'search-east', url: 'https://10.1.0.1:7443' },
    10_000,
  );
  await registry.heartbeat(
    { service: 'search', region: 'eu-west', instanceId: 'search-west', url: 'https://10.2.0.1:7443' },
    10_000,
  );
  const discovery = createDiscovery(
    { REGISTRY_DATABASE_URL: registryUrl },
    createLogger({ service: 'test', instance: 't', region: 'us-east', level: 'silent' }),
  );
  assert.ok(discovery);
  const seen = { east: [] as string[][], west: [] as string[][] };
  const client = (into: string[][]) =>
    ({ service: 'search', update: (urls: string[]) => void into.push(urls) }) as unknown as PeerClient;
  discovery.watch('search', 'us-east', client(seen.east));
  discovery.watch('search', 'eu-west', client(seen.west));
  try {
    await waitFor(
      'both regions to be looked up',
      () => Promise.resolve(seen.east.length > 0 && seen.west.length > 0 ? true : undefined),
      5000,
    );
    assert.deepEqual(seen.east.at(-1), ['https://10.1.0.1:7443']);
    assert.deepEqual(seen.west.at(-1), ['https://10.2.0.1:7443']);
  } finally {
    await discovery.close();
  }
});
