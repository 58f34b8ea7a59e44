import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onReplica, type ServiceDatabase } from '@shop/data';
import { instanceEnv, passThrough, type EnvContext } from './instanceEnv.ts';
import type { InstanceSpec } from './topology.ts';

const product: InstanceSpec = { service: 'product', region: 'us-east', id: 'product-1', port: 7111, entry: 'main.ts' };
const user: InstanceSpec = { service: 'user', region: 'us-east', id: 'user-1', port: 7101, entry: 'main.ts' };
const gateway: InstanceSpec = { service: 'gateway', region: 'us-east', id: 'gateway-1', port: 7181, entry: 'main.ts' };
const own: ServiceDatabase = {
  service: 'product',
  database: 'shop_product',
  role: 'shop_product',
  url: 'postgres://shop_product:s%40cret@db.internal:5432/shop_product?sslmode=disable',
};
const replicaAdmins = ['postgres://postgres@127.0.0.1:5442/postgres', 'postgres://admin:x@replica-2:6432/postgres'];

function context(replicas: string[]): EnvContext {
  return {
    all: [product, gateway],
    databases: new Map([['product', own]]),
    replicaUrlsOf: (service) => (service === 'product' ? replicas.map((r) => onReplica(own.url, r)) : []),
    paymentProviderUrl: undefined,
    smtpUrl: undefined,
    poolMax: 10,
    logLevel: 'info',
    shutdownTimeoutMs: 10_000,
    admin: { email: 'admin@shop.local', password: 'an initial admin password' },
    signingKekFile: '/data/pki/signing-kek',
    mesh: undefined,
    otlpEndpoint: undefined,
    engines: {},
  };
}

test("a service's replica URLs: its own role, password and database on each replica's host and port", () => {
  const env = instanceEnv(product, context(replicaAdmins));
  assert.deepEqual(env.DATABASE_REPLICA_URLS!.split(','), [
    'postgres://shop_product:s%40cret@127.0.0.1:5442/shop_product?sslmode=disable',
    'postgres://shop_product:s%40cret@replica-2:6432/shop_product?sslmode=disable',
  ]);
});

test('without replicas the variable is not set; gateways never get it', () => {
  assert.equal(instanceEnv(product, context([])).DATABASE_REPLICA_URLS, undefined);
  assert.equal(instanceEnv(gateway, context(replicaAdmins)).DATABASE_REPLICA_URLS, undefined);
});

test("instances get the shared compile cache and the trace sampling of the launcher's environment, not the rest of it", () => {
  const passed = passThrough('product', {
    NODE_COMPILE_CACHE: '/repo/node_modules/.cache/node-compile',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
    HOME: '/root',
    TOPOLOGY: 'seed',
  });
  assert.deepEqual(passed, {
    NODE_COMPILE_CACHE: '/repo/node_modules/.cache/node-compile',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
  });
});

test('a setting reaches exactly the kinds that declare it: the search page TTL the product service, the cart TTL the order service', () => {
  const settings = { CART_PRODUCT_TTL_MS: '0', PRODUCT_SEARCH_CACHE_TTL_MS: '0' };
  assert.deepEqual(passThrough('product', settings), { PRODUCT_SEARCH_CACHE_TTL_MS: '0' });
  assert.deepEqual(passThrough('order', settings), { CART_PRODUCT_TTL_MS: '0' });
  assert.deepEqual(passThrough('gateway', settings), {});
});

test("what the launcher computes wins over its own environment's value of the same name", () => {
  const saved = process.env.PORT;
  process.env.PORT = '1';
  try {
    assert.equal(instanceEnv(product, context([])).PORT, '7111');
  } finally {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
  }
});

test('only user instances get the bootstrap administrator and the signing-key KEK; nobody gets ADMIN_EMAILS', () => {
  const ctx = { ...context([]), all: [product, user, gateway] };
  const own = instanceEnv(user, ctx);
  assert.deepEqual(
    [own.ADMIN_EMAIL, own.ADMIN_INITIAL_PASSWORD, own.SIGNING_KEY_KEK_FILE],
    ['admin@shop.local', 'an initial admin password', '/data/pki/signing-kek'],
  );
  for (const other of [product, gateway]) {
    const env = instanceEnv(other, ctx);
    assert.deepEqual(
      [env.ADMIN_EMAIL, env.ADMIN_INITIAL_PASSWORD, env.SIGNING_KEY_KEK_FILE],
      [undefined, undefined, undefined],
      other.id,
    );
  }
  for (const instance of [product, user, gateway]) assert.equal(instanceEnv(instance, ctx).ADMIN_EMAILS, undefined);
});

test("sign-up limits set in the launcher's environment reach the user instances", () => {
  assert.deepEqual(passThrough('user', { SIGNUP_MAX_PER_ADDRESS: '100' }), { SIGNUP_MAX_PER_ADDRESS: '100' });
});
