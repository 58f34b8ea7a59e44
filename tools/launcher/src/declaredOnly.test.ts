// The launcher passes each instance only the variables its kind declares in the registry, and
// every instance gets its ops port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { declares } from '@shop/platform';
import { instanceEnv, RUNTIME_VARIABLES, type EnvContext } from './instanceEnv.ts';
import { loadTopology, supportInstances } from './topology.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function laptop() {
  const topology = await loadTopology('laptop', root);
  return [
    ...supportInstances(topology, root, { sandbox: true, mailSink: true, collector: true }),
    ...topology.instances,
  ];
}

function context(all: Awaited<ReturnType<typeof laptop>>): EnvContext {
  const db = (service: string) => ({
    service,
    database: service,
    role: service,
    url: `postgres://${service}@h/${service}`,
  });
  const files = { certFile: '/pki/c', keyFile: '/pki/k', caFile: '/pki/ca' };
  return {
    all,
    databases: new Map(
      ['user', 'product', 'order', 'payment', 'notification', 'analytics', 'events', 'registry'].map((s) => [s, db(s)]),
    ),
    replicaUrlsOf: () => ['postgres://r@replica/x'],
    paymentProviderUrl: undefined,
    smtpUrl: undefined,
    poolMax: 10,
    logLevel: 'info',
    shutdownTimeoutMs: 10_000,
    admin: { email: 'admin@shop.local', password: 'an initial admin password' },
    signingKekFile: '/pki/signing-kek',
    mesh: new Map(
      ['user', 'product', 'order', 'payment', 'notification', 'analytics', 'gateway'].map((s) => [s, files]),
    ),
    otlpEndpoint: 'http://127.0.0.1:7193',
    engines: { REDIS_URL: 'redis://127.0.0.1:6379', NATS_URL: 'nats://127.0.0.1:4222', EVENTS_NAMESPACE: 'shop' },
  };
}

test("no instance of any kind gets a variable its kind does not declare (the runtime's PATH and compile cache aside)", async () => {
  const all = await laptop();
  // Whatever the launcher's own environment holds: its settings, other kinds' settings, noise.
  const noise = {
    HOME: '/root',
    DATABASE_URL: 'postgres://admin@h/postgres',
    TOPOLOGY: 'laptop',
    HEALTH_PATH: '/health',
  };
  const saved = { ...process.env };
  Object.assign(process.env, noise, { CATALOG_SEED_COUNT: '5', RATE_LIMIT_USER_PER_SEC: '5', SANDBOX_LATENCY_MS: '5' });
  try {
    const kinds = new Set<string>();
    for (const instance of all) {
      kinds.add(instance.service);
      for (const name of Object.keys(instanceEnv(instance, context(all))))
        assert.ok(
          RUNTIME_VARIABLES.includes(name) || declares(instance.service, name),
          `${instance.id} was passed ${name}, which ${instance.service} does not declare`,
        );
    }
    assert.equal(kinds.size, 11, 'every kind the launcher runs was checked');
  } finally {
    process.env = saved;
  }
});

test('every instance but the mail sink gets its own ops port, and no two share one', async () => {
  const all = await laptop();
  const ops = all.map((i) => instanceEnv(i, context(all)).OPS_PORT);
  assert.deepEqual(
    all.filter((_, n) => ops[n] === undefined).map((i) => i.service),
    ['mail-sink'],
  );
  const given = ops.filter((p) => p !== undefined);
  assert.equal(new Set(given).size, given.length);
  assert.equal(
    instanceEnv(
      all.find((i) => i.id === 'user-1')!,
      context(all),
    ).OPS_PORT,
    '7601',
  );
  assert.equal(
    instanceEnv(
      all.find((i) => i.service === 'lb')!,
      context(all),
    ).OPS_PORT,
    '7699',
  );
});
