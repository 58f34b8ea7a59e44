import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { connectionsFor } from './dataLayer.ts';
import { loadTopology } from './topology.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test("the embedded server's connections follow the topology: the laptop's 300, the seed's every pool", async () => {
  const laptop = await loadTopology('laptop', root);
  assert.equal(connectionsFor(laptop.instances, 10), 300);
  const seed = await loadTopology('seed', root);
  const services = seed.instances.filter((i) => !['gateway', 'lb'].includes(i.service)).length;
  assert.equal(services, 54);
  assert.ok(connectionsFor(seed.instances, 10) >= services * (10 + 6), 'each instance its pool and its other pools');
});
