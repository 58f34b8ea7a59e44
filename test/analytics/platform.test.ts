// Analytics on the running platform, over real processes (launcher, embedded
// PostgreSQL, mTLS): a customer's checkout through the load balancer shows up
// in the administrator's figures at /analytics/*, routed by the gateway.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { startLauncher, waitFor, writeTopology, type RunningLauncher } from '../support/launcher.ts';
import { freePort, scratchDir } from '../support/postgres.ts';

const portBase = 26_000;
const api = `http://127.0.0.1:${portBase + 99}`;
const ADMIN_PASSWORD = 'an analytics operator secret';
let launcher: RunningLauncher;
let dir: string;

before(async () => {
  dir = await scratchDir('analytics-e2e');
  const topology = await writeTopology(
    dir,
    portBase,
    { user: 1, product: 1, order: 1, payment: 1, notification: 1, analytics: 1 },
    { gateways: 1 },
  );
  launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: {
      EMBEDDED_PG_PORT: String(await freePort()),
      CATALOG_SEED_COUNT: '200',
      ADMIN_EMAIL: 'admin@shop.test',
      ADMIN_PASSWORD: ADMIN_PASSWORD,
    },
    readyTimeoutMs: 90_000,
  });
});

after(async () => {
  await launcher?.interrupt();
  await rm(dir, { recursive: true, force: true });
});

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(api + path, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

async function signIn(email: string): Promise<string> {
  const password = 'correct horse battery staple';
  const signUp = await call('POST', '/users', { body: { email, password, name: 'Analyst' } });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.body));
  const login = await call('POST', '/users/sessions', { body: { email, password } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return login.body.accessToken as string;
}

/** The bootstrap administrator the launcher had made (ADMIN_EMAIL, ADMIN_PASSWORD). */
async function adminToken(): Promise<string> {
  const login = await call('POST', '/users/sessions', { body: { email: 'admin@shop.test', password: ADMIN_PASSWORD } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return login.body.accessToken as string;
}

test('a checkout through the load balancer is counted in the admin figures; a customer gets 403', async () => {
  const customer = await signIn(`buyer.${randomUUID().slice(0, 8)}@example.com`);
  const admin = await adminToken();
  const browse = await call('GET', '/products?limit=20');
  const product = (browse.body.items as any[]).find((p) => p.availability?.available === true);
  assert.ok(product, 'an available product');
  assert.equal(
    (await call('PUT', `/orders/cart/items/${product.id}`, { token: customer, body: { quantity: 2 } })).status,
    200,
  );
  const order = await call('POST', '/orders', {
    token: customer,
    body: {},
    headers: { 'idempotency-key': randomUUID() },
  });
  assert.ok(order.status === 201 || order.status === 202, JSON.stringify(order.body));
  await waitFor(
    'the order confirmed',
    async () =>
      (await call('GET', `/orders/${order.body.id}`, { token: customer })).body.status === 'confirmed'
        ? true
        : undefined,
    20_000,
    200,
  );

  const top = await waitFor(
    'the sale in the figures',
    async () => {
      const response = await call('GET', `/analytics/top-products?currency=${product.currency}`, { token: admin });
      return response.body.items?.find((p: any) => p.productId === product.id);
    },
    20_000,
    200,
  );
  assert.deepEqual(
    { units: top.units, revenueMinor: top.revenueMinor },
    { units: 2, revenueMinor: 2 * product.priceMinor },
  );
  const summary = await call('GET', '/analytics/summary', { token: admin });
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  assert.deepEqual([summary.body.totals.ordersPlaced, summary.body.totals.ordersConfirmed], [1, 1]);
  assert.deepEqual(summary.body.totals.revenue, [
    {
      currency: product.currency,
      confirmedMinor: 2 * product.priceMinor,
      refundedMinor: 0,
      netMinor: 2 * product.priceMinor,
    },
  ]);

  const refused = await call('GET', '/analytics/summary', { token: customer });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'FORBIDDEN');
});
