import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadTopology, parseTopology, TopologyError } from './topology.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the laptop topology: two instances of each request-path service, one analytics, two gateways, a balancer on 8080', async () => {
  const topology = await loadTopology('laptop', root);
  const count = (service: string) => topology.instances.filter((i) => i.service === service).length;
  for (const service of ['user', 'product', 'order', 'payment', 'notification', 'gateway'])
    assert.equal(count(service), 2, service);
  assert.equal(count('analytics'), 1);
  assert.equal(count('lb'), 1);
  const port = (id: string) => topology.instances.find((i) => i.id === id)?.port;
  assert.deepEqual(
    [port('user-1'), port('user-2'), port('product-1'), port('analytics-1'), port('gateway-1'), port('lb')],
    [7101, 7102, 7111, 7151, 7181, 8080],
  );
});

test("the seed topology has the seed's counts in three regions, and two analytics per region", async () => {
  const topology = await loadTopology('seed', root);
  const count = (service: string) => topology.instances.filter((i) => i.service === service).length;
  assert.deepEqual(
    ['user', 'product', 'order', 'payment', 'notification'].map(count),
    [3, 5, 4, 2, 2].map((n) => 3 * n),
  );
  assert.equal(count('analytics'), 3 * 2);
  assert.equal(topology.instances.filter((i) => i.service === 'lb').length, 3);
  assert.equal(new Set(topology.instances.map((i) => i.port)).size, topology.instances.length);
});

test('an unknown service is refused by name', () => {
  assert.throws(
    () =>
      parseTopology(
        { name: 't', regions: { 'us-east': { portBase: 7000, services: { billing: { instances: 1 } } } } },
        root,
      ),
    (error: unknown) => error instanceof TopologyError && /billing/.test(error.message),
  );
});

test('overlapping port ranges are refused', () => {
  const region = { portBase: 7000, services: { user: { instances: 1 } } };
  assert.throws(
    () => parseTopology({ name: 't', regions: { 'us-east': region, 'eu-west': region } }, root),
    /used twice/,
  );
});
