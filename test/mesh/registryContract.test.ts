// One contract for every discovery adapter (issue 7's parity rule): PostgreSQL
// (instances heartbeat), DNS (Kubernetes headless Services answer one A record
// per ready pod) and static lists (one Kubernetes Service per service). They
// differ in who registers; they must agree on what a caller sees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Database, PgRegistry, dropServiceDatabases, provisionServiceDatabases } from '@shop/data';
import { DnsRegistry, StaticRegistry, watchInstances, watchServices, type Registry } from '@shop/mesh';
import { startEmbeddedCluster, uniquePrefix, type TestCluster } from '../support/postgres.ts';
import { waitFor } from '../support/launcher.ts';

const PORT = 7443;
const urlOf = (ip: string): string => `https://${ip}:${PORT}`;

/** The instances live per (service, region), as addresses. */
type Live = Record<string, Record<string, string[]>>;

interface Subject {
  registry: Registry;
  /** Makes exactly these instances live (adapters that can change; a static list cannot). */
  change?: (live: Live) => Promise<void>;
}

interface Adapter {
  name: string;
  /** Answers several services in one lookup (listMany). */
  batches: boolean;
  open(live: Live): Promise<Subject>;
}

let cluster: TestCluster;
let db: Database;
const prefix = uniquePrefix('regc');

before(async () => {
  cluster = await startEmbeddedCluster('registry-contract');
  const [provisioned] = await provisionServiceDatabases({
    adminUrl: cluster.adminUrl,
    services: ['registry'],
    prefix,
    password: () => 'pw',
  });
  db = new Database({ connectionString: provisioned!.url, max: 4, acquireTimeoutMs: 2000 });
});

after(async () => {
  await db.close();
  await dropServiceDatabases({ adminUrl: cluster.adminUrl, services: ['registry'], prefix });
  await cluster.close();
});

const adapters: Adapter[] = [
  {
    name: 'PostgreSQL (heartbeats)',
    batches: true,
    async open(live) {
      const registry = new PgRegistry(db);
      let registered = new Set<string>();
      const change = async (next: Live): Promise<void> => {
        const now = new Set<string>();
        for (const [service, regions] of Object.entries(next)) {
          for (const [region, ips] of Object.entries(regions)) {
            for (const ip of ips) {
              const instanceId = `${service}-${region}-${ip}`;
              now.add(instanceId);
              await registry.heartbeat({ service, region, instanceId, url: urlOf(ip) }, 60_000);
            }
          }
        }
        for (const gone of registered) if (!now.has(gone)) await registry.deregister(gone);
        registered = now;
      };
      await change(live);
      return { registry, change };
    },
  },
  {
    name: 'DNS (headless Service)',
    batches: false,
    open(live) {
      let answers = live;
      const registry = new DnsRegistry({
        hostname: (service, region) => `${service}.shop-${region}.svc.cluster.local`,
        port: PORT,
        resolve4: (hostname) => {
          const [service, namespace] = hostname.split('.') as [string, string];
          const ips = answers[service]?.[namespace.replace(/^shop-/, '')] ?? [];
          return ips.length > 0
            ? Promise.resolve([...ips].reverse())
            : Promise.reject(Object.assign(new Error(`queryA ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
        },
      });
      return Promise.resolve({ registry, change: (next: Live) => Promise.resolve(void (answers = next)) });
    },
  },
  {
    name: 'static lists',
    batches: false,
    open(live) {
      // One region's lists (a static registry is per deployment): the test's region.
      const lists = Object.fromEntries(
        Object.entries(live).map(([service, regions]) => [service, (regions['us-east'] ?? []).map(urlOf)]),
      );
      return Promise.resolve({ registry: new StaticRegistry(lists) });
    },
  },
];

let run = 0;
for (const adapter of adapters) {
  describe(`registry contract: ${adapter.name}`, () => {
    // Names unique per test: the PostgreSQL adapter's table is shared.
    const names = () => {
      run += 1;
      return { product: `product${run}`, order: `order${run}` };
    };

    test('lists exactly the live instances of a service in a region, each as that service and region', async () => {
      const { product, order } = names();
      const { registry } = await adapter.open({
        [product]: { 'us-east': ['10.0.0.2', '10.0.0.1'] },
        [order]: { 'us-east': ['10.0.1.1'] },
      });
      const records = await registry.list(product, 'us-east');
      assert.deepEqual(records.map((r) => r.url).sort(), [urlOf('10.0.0.1'), urlOf('10.0.0.2')]);
      assert.ok(
        records.every((r) => r.service === product && r.region === 'us-east'),
        JSON.stringify(records),
      );
      assert.equal(new Set(records.map((r) => r.instanceId)).size, records.length, 'instance ids are distinct');
    });

    test('a service with no live instance lists none, without failing', async () => {
      const { product, order } = names();
      const { registry } = await adapter.open({ [product]: { 'us-east': ['10.0.0.1'] } });
      assert.deepEqual(await registry.list(order, 'us-east'), []);
    });

    test('a watcher gets the live set, and follows it when it changes', async (t) => {
      const { product } = names();
      const subject = await adapter.open({ [product]: { 'us-east': ['10.0.0.1', '10.0.0.2'] } });
      let seen: string[] = [];
      const watcher = watchInstances(
        subject.registry,
        product,
        'us-east',
        { update: (urls) => (seen = [...urls].sort()) },
        { intervalMs: 20 },
      );
      try {
        await waitFor('the first set', () => Promise.resolve(seen.length === 2 ? true : undefined), 2000, 10);
        assert.deepEqual(seen, [urlOf('10.0.0.1'), urlOf('10.0.0.2')]);
        if (!subject.change) {
          t.diagnostic('a static list never changes: the cluster behind the Service does the balancing');
          return;
        }
        await subject.change({ [product]: { 'us-east': ['10.0.0.2', '10.0.0.3'] } });
        await waitFor(
          'the changed set',
          () =>
            Promise.resolve(seen.includes(urlOf('10.0.0.3')) && !seen.includes(urlOf('10.0.0.1')) ? true : undefined),
          2000,
          10,
        );
        assert.deepEqual(seen, [urlOf('10.0.0.2'), urlOf('10.0.0.3')]);
      } finally {
        watcher.stop();
      }
    });

    test('one watcher follows every peer of a process, in one lookup a round where the registry can', async () => {
      const { product, order } = names();
      const { registry } = await adapter.open({
        [product]: { 'us-east': ['10.0.0.1', '10.0.0.2'] },
        [order]: { 'us-east': ['10.0.1.1'] },
      });
      let singleLookups = 0;
      const list = registry.list.bind(registry);
      registry.list = (service, region) => {
        singleLookups += 1;
        return list(service, region);
      };
      const seen = new Map<string, string[]>();
      const follow = (service: string) => ({ update: (urls: string[]) => void seen.set(service, [...urls].sort()) });
      const watcher = watchServices(
        registry,
        'us-east',
        new Map([
          [product, follow(product)],
          [order, follow(order)],
        ]),
        { intervalMs: 20 },
      );
      try {
        await waitFor('both sets', () => Promise.resolve(seen.size === 2 ? true : undefined), 2000, 10);
        assert.deepEqual(Object.fromEntries(seen), {
          [product]: [urlOf('10.0.0.1'), urlOf('10.0.0.2')],
          [order]: [urlOf('10.0.1.1')],
        });
        assert.equal(singleLookups === 0, adapter.batches, `${singleLookups} single-service lookups`);
      } finally {
        watcher.stop();
      }
    });
  });
}

test('regions are kept apart by the adapters that know regions', async () => {
  for (const adapter of adapters.filter((a) => a.name !== 'static lists')) {
    run += 1;
    const { registry } = await adapter.open({
      [`cart${run}`]: { 'us-east': ['10.0.0.1'], 'eu-west': ['10.9.0.1', '10.9.0.2'] },
    });
    assert.deepEqual(
      (await registry.list(`cart${run}`, 'eu-west')).map((r) => r.url).sort(),
      [urlOf('10.9.0.1'), urlOf('10.9.0.2')],
      adapter.name,
    );
    assert.deepEqual(
      (await registry.list(`cart${run}`, 'us-east')).map((r) => r.url),
      [urlOf('10.0.0.1')],
      adapter.name,
    );
  }
});
