// Checkout over real processes when it matters: the last units under a rush,
// the provider charging and then dropping its answer, and one checkout sent
// twenty times at once. Money and stock are checked at the source of truth:
// the provider sandbox's ledger and the product service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { startLauncher, waitFor, writeTopology, type RunningLauncher } from '../support/launcher.ts';
import { freePort, scratchDir } from '../support/postgres.ts';

const portBase = 24_000;
const api = `http://127.0.0.1:${portBase + 99}`;
const sandbox = `http://127.0.0.1:${portBase + 90}`;
let launcher: RunningLauncher;
let dir: string;

before(async () => {
  dir = await scratchDir('e2e-faults');
  const topology = await writeTopology(
    dir,
    portBase,
    { user: 1, product: 2, order: 2, payment: 2, notification: 1 },
    { gateways: 1 },
  );
  launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: {
      EMBEDDED_PG_PORT: String(await freePort()),
      CATALOG_SEED_COUNT: '200',
      ADMIN_EMAIL: 'admin@shop.test',
      ADMIN_PASSWORD: 'a long shopper password',
      SIGNUP_MAX_PER_ADDRESS: '1000',
      CLIENT_MAX_CONCURRENT_REQUESTS: '1000',
      RATE_LIMIT_ANON_PER_SEC: '5000',
      RECONCILE_AFTER_MS: '1000',
      RECONCILE_INTERVAL_MS: '500',
      PROVIDER_TIMEOUT_MS: '1000',
      MESH_BREAKER_OPEN_MS: '5000',
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
  options: { token?: string; body?: unknown; headers?: Record<string, string>; base?: string } = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch((options.base ?? api) + path, {
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

async function shopper(email = `s.${randomUUID().slice(0, 12)}@example.com`): Promise<string> {
  await call('POST', '/users', { body: { email, password: 'a long shopper password', name: 'Shopper' } });
  const login = await call('POST', '/users/sessions', { body: { email, password: 'a long shopper password' } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return login.body.accessToken as string;
}

async function productWithStock(admin: string, stock: number): Promise<{ id: string; priceMinor: number }> {
  const page = await call('GET', '/products?limit=1', { token: admin });
  const product = page.body.items[0];
  const patched = await call('PATCH', `/products/${product.id}`, { token: admin, body: { stock } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  return { id: product.id, priceMinor: product.priceMinor };
}

const terminal = (status: string) => ['confirmed', 'cancelled', 'failed'].includes(status);

async function settle(token: string, orderId: string): Promise<any> {
  return waitFor(
    `order ${orderId} to settle`,
    async () => {
      const order = await call('GET', `/orders/${orderId}`, { token });
      return terminal(order.body.status as string) ? order.body : undefined;
    },
    30_000,
    200,
  );
}

test('50 concurrent checkouts for the last 10 units: exactly 10 confirmed, stock 0, every other one compensated', async () => {
  const admin = await shopper('admin@shop.test');
  const { id } = await productWithStock(admin, 10);
  // Shoppers are signed up a few at a time: argon2 is deliberately expensive, and
  // the user service sheds a burst beyond its hashing capacity with 503s.
  const tokens: string[] = [];
  for (let i = 0; i < 50; i += 5) tokens.push(...(await Promise.all(Array.from({ length: 5 }, () => shopper()))));
  for (const token of tokens)
    assert.equal((await call('PUT', `/orders/cart/items/${id}`, { token, body: { quantity: 1 } })).status, 200);
  const placed = await Promise.all(
    tokens.map((token) => call('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': randomUUID() } })),
  );
  for (const p of placed) assert.ok(p.status === 201 || p.status === 202, JSON.stringify(p.body));
  const orders = await Promise.all(placed.map((p, i) => settle(tokens[i]!, p.body.id as string)));
  const confirmed = orders.filter((o) => o.status === 'confirmed');
  assert.equal(confirmed.length, 10);
  assert.ok(
    orders.filter((o) => o.status !== 'confirmed').every((o) => o.status === 'cancelled'),
    'the rest were compensated, none left failed',
  );
  const product = await call('GET', `/products/${id}`, { token: admin });
  assert.equal(product.body.availability.inStock, 0);
  const ledger = await call('GET', '/_sandbox/ledger', { base: sandbox });
  const charged = confirmed.map((o) => ledger.body.byOrder[o.id as string]?.net ?? 0);
  assert.ok(
    charged.every((net: number, i: number) => net === confirmed[i].totalMinor),
    'each confirmed order charged exactly once',
  );
  const cancelledCharged = orders
    .filter((o) => o.status === 'cancelled')
    .map((o) => ledger.body.byOrder[o.id as string]?.net ?? 0);
  assert.ok(
    cancelledCharged.every((net: number) => net === 0),
    'no cancelled order kept money',
  );
});

test('the provider charges and drops its answer: the order settles with exactly one net charge', async () => {
  const admin = await shopper('admin@shop.test').catch(async () => shopper());
  const { id } = await productWithStock(admin, 5);
  const token = await shopper();
  await call('PUT', `/orders/cart/items/${id}`, { token, body: { quantity: 1 } });
  const faults = await call('POST', '/_sandbox/faults', { base: sandbox, body: { dropNext: 1 } });
  assert.equal(faults.status, 200, JSON.stringify(faults.body));
  const placed = await call('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': randomUUID() } });
  assert.ok(placed.status === 201 || placed.status === 202, JSON.stringify(placed.body));
  const order = await settle(token, placed.body.id as string);
  const after = await call('GET', '/_sandbox/faults', { base: sandbox });
  assert.equal(after.body.dropNext, 0, 'the provider really did charge and drop its answer');
  const ledger = await call('GET', '/_sandbox/ledger', { base: sandbox });
  const money = ledger.body.byOrder[order.id as string] ?? { net: 0 };
  if (order.status === 'confirmed') assert.equal(money.net, order.totalMinor, 'confirmed and charged once');
  else assert.equal(money.net, 0, 'cancelled and refunded');
  assert.ok(
    ledger.body.intents.filter((i: any) => i.metadata?.orderId === order.id && i.status === 'succeeded').length <= 1,
    'never two charges',
  );
});

test('one checkout sent 20 times at once with one key: one order, one charge', async () => {
  const admin = await shopper('admin@shop.test').catch(async () => shopper());
  const { id } = await productWithStock(admin, 5);
  const token = await shopper();
  await call('PUT', `/orders/cart/items/${id}`, { token, body: { quantity: 1 } });
  const key = randomUUID();
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => call('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': key } })),
  );
  const ids = new Set(answers.filter((a) => a.status < 300).map((a) => a.body.id as string));
  assert.ok(
    answers.every((a) => a.status < 300 || a.status === 409),
    JSON.stringify(answers.map((a) => a.status)),
  );
  assert.equal(ids.size, 1, 'every accepted answer is the same order');
  const [orderId] = [...ids];
  const order = await settle(token, orderId!);
  assert.equal(order.status, 'confirmed');
  const list = await call('GET', '/orders?limit=100', { token });
  assert.equal(list.body.items.length, 1, 'one order for this shopper');
  const ledger = await call('GET', '/_sandbox/ledger', { base: sandbox });
  assert.equal(ledger.body.byOrder[orderId!].succeededIntents, 1);
  assert.equal(ledger.body.byOrder[orderId!].net, order.totalMinor);
});

test('the payment service completely down: the breaker opens, checkout answers 503 within 100 ms, and it recovers by itself', async () => {
  const admin = await shopper('admin@shop.test').catch(async () => shopper());
  const { id } = await productWithStock(admin, 1000);
  // Eight shoppers checking out side by side: twice the calls the breaker's minimum volume (2/s over
  // its 10 s window) needs even when each checkout takes its whole 1.5 s budget; four fell under it
  // on a busy machine and the breaker, rightly, never opened.
  const tokens = await Promise.all(Array.from({ length: 8 }, () => shopper()));
  const token = tokens[0]!;
  const payments = (await launcher.state()).instances.filter((i) => i.service === 'payment');
  assert.equal(payments.length, 2);
  // Frozen, not killed: the supervisor would restart a dead one at once. A
  // stopped process accepts connections and never answers, the worst kind of down.
  for (const p of payments) process.kill(p.pid!, 'SIGSTOP');
  const placed: Array<{ token: string; orderId: string }> = [];
  let refused: { status: number; body: any; ms: number } | undefined;
  try {
    const deadline = Date.now() + 60_000;
    await Promise.all(
      tokens.map(async (t) => {
        while (!refused && Date.now() < deadline) {
          await call('PUT', `/orders/cart/items/${id}`, { token: t, body: { quantity: 1 } });
          const started = performance.now();
          const answer = await call('POST', '/orders', {
            token: t,
            body: {},
            headers: { 'idempotency-key': randomUUID() },
          });
          const ms = performance.now() - started;
          if (answer.status === 503) refused ??= { ...answer, ms };
          else {
            assert.equal(
              answer.status,
              202,
              `until the breaker opens, a checkout is accepted and waits for payment: ${JSON.stringify(answer.body)}`,
            );
            placed.push({ token: t, orderId: answer.body.id as string });
          }
        }
      }),
    );
    assert.ok(refused, 'the breaker opened within a minute');
    assert.equal(refused.body.code, 'DEPENDENCY_UNAVAILABLE');
    // Once open, every checkout is refused at once.
    const quick = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const answer = await call('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': randomUUID() } });
      quick.push({ status: answer.status, ms: performance.now() - started });
    }
    assert.ok(
      quick.every((q) => q.status === 503),
      JSON.stringify(quick),
    );
    const slowest = Math.max(refused.ms, ...quick.map((q) => q.ms));
    assert.ok(slowest < 100, `answered within 100 ms (slowest ${slowest.toFixed(1)} ms)`);
  } finally {
    for (const p of payments) process.kill(p.pid!, 'SIGCONT');
  }
  // Back: the breaker half-opens by itself, checkouts succeed again, and the
  // orders that waited for payment are settled with money matching their state.
  const recovered = await waitFor(
    'checkout to work again',
    async () => {
      await call('PUT', `/orders/cart/items/${id}`, { token, body: { quantity: 1 } });
      const answer = await call('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': randomUUID() } });
      return answer.status === 201 || answer.status === 202 ? answer.body : undefined;
    },
    60_000,
    1000,
  );
  assert.ok(recovered.id);
  const orders = await Promise.all(placed.map((p) => settle(p.token, p.orderId)));
  const ledger = await call('GET', '/_sandbox/ledger', { base: sandbox });
  for (const order of orders) {
    const net = ledger.body.byOrder[order.id as string]?.net ?? 0;
    assert.equal(
      net,
      order.status === 'confirmed' ? order.totalMinor : 0,
      `order ${order.id} ${order.status} holds the right money`,
    );
  }
});
