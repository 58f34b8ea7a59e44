import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadTopology, parseTopology, TopologyError } from './topology.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the laptop topology runs two instances of each of the five services', async () => {
  const topology = await loadTopology('laptop', root);
  assert.equal(topology.instances.length, 10);
  assert.deepEqual(topology.instances.slice(0, 2).map((i) => [i.id, i.port]), [['user-1', 7101], ['user-2', 7102]]);
});

test("the seed topology has the seed's counts in three regions", async () => {
  const topology = await loadTopology('seed', root);
  assert.equal(topology.instances.length, 3 * (3 + 5 + 4 + 2 + 2));
  assert.equal(new Set(topology.instances.map((i) => i.port)).size, topology.instances.length);
});

test('an unknown service is refused by name', () => {
  assert.throws(() => parseTopology({ name: 't', regions: { 'us-east': { portBase: 7000, services: { billing: { instances: 1 } } } } }, root), (error: unknown) => error instanceof TopologyError && /billing/.test(error.message));
});

test('overlapping port ranges are refused', () => {
  const region = { portBase: 7000, services: { user: { instances: 1 } } };
  assert.throws(() => parseTopology({ name: 't', regions: { 'us-east': region, 'eu-west': region } }, root), /used twice/);
});
