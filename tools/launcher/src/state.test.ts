import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLauncherState, writeLauncherState, writeTopology, type LauncherState } from './state.ts';
import { parseTopology } from './topology.ts';

test('launcher.json reads back as written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'launcher-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const state: LauncherState = {
    pid: 42,
    topology: 'test',
    postgres: { kind: 'embedded', pid: 7, port: 5999 },
    instances: [{ id: 'user-1', service: 'user', region: 'us-east', port: 7001, opsPort: 7501, pid: 8, restarts: 0 }],
  };
  await writeLauncherState(dir, state);
  assert.deepEqual(await readLauncherState(dir), state);
  await assert.rejects(readLauncherState(join(dir, 'missing')), { code: 'ENOENT' });
});

test('a written topology is one the launcher parses: instances per service, the edge when asked', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'launcher-topology-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = await writeTopology(dir, {
    name: 'test',
    description: 'written by a test',
    portBase: 30_000,
    services: { user: 2, product: 1 },
    edge: { gateways: 1, lbPort: 30_099 },
  });
  const topology = parseTopology(JSON.parse(await readFile(file, 'utf8')), dir);
  const ids = topology.instances.map((i) => i.id);
  assert.ok(ids.includes('user-2') && ids.includes('product-1'), ids.join(', '));
  assert.equal(topology.instances.find((i) => i.service === 'lb')?.port, 30_099);
});
