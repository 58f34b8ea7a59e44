// Overload through the public entry (issue 22): the real balancer, gateway and
// services as processes over TCP. Retries do not multiply across layers (the
// services' own request counters count every attempt per client request), and
// the criticality a client claims is not believed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ShopClient, prepareShoppers, type VirtualUser } from '@shop/load';
import { isAlive, waitFor } from '../support/launcher.ts';
import { startPlatform, type Platform } from '../security/support.ts';

/** The mesh's attempts per call (defaultMeshPolicy.maxAttempts): the most one layer may make. */
const MAX_ATTEMPTS = 3;
const REQUESTS = 8;

let platform: Platform;
let client: ShopClient;
let shopper: VirtualUser;
let productIds: string[];

before(async () => {
  platform = await startPlatform('overload', 16_000, {}, { product: 2 });
  client = new ShopClient(platform.api);
  const [first] = await prepareShoppers(client, `retry-${Date.now().toString(36)}`, 1);
  productIds = await client.productIds(4);
  assert.ok(first?.token && productIds.length > 0, 'a signed-in shopper and some products');
  shopper = first;
});

after(async () => {
  await client?.close();
  await platform?.stop();
});

async function instancesOf(service: string) {
  return (await platform.launcher.state()).instances.filter((i) => i.service === service);
}

/** An instance's /metrics, or nothing while the launcher is starting it again (it served nothing yet). */
async function metricsOf(instance: { port: number; pid: number | undefined }): Promise<string | undefined> {
  if (!instance.pid || !isAlive(instance.pid)) return undefined;
  const answer = await platform.launcher.get(instance.port, '/metrics').catch(() => undefined);
  return answer?.status === 200 ? answer.text : undefined;
}

/** Answered requests at every instance of `service` on `route` (its own counter, by route template). */
async function served(service: string, route: string): Promise<number> {
  let total = 0;
  for (const instance of await instancesOf(service)) {
    for (const line of ((await metricsOf(instance)) ?? '').split('\n')) {
      const match = /^(\w+)\{(.*)\} (\d+)$/.exec(line);
      if (match?.[1] === 'http_requests_total' && match[2]!.includes(`route="${route}"`)) total += Number(match[3]);
    }
  }
  return total;
}

/** Requests admitted at every instance of `service` at `criticality`. */
async function admitted(service: string, criticality: string): Promise<number> {
  const counter = new RegExp(`^http_requests_admitted_total\\{criticality="${criticality}"[^}]*\\} (\\d+)$`, 'm');
  let total = 0;
  for (const instance of await instancesOf(service))
    total += Number(counter.exec((await metricsOf(instance)) ?? '')?.[1] ?? 0);
  return total;
}

async function setFaults(service: string, faults: Record<string, number> | undefined): Promise<void> {
  for (const instance of await instancesOf(service)) {
    if (!instance.pid || !isAlive(instance.pid)) continue;
    const method = faults ? 'PUT' : 'DELETE';
    const body = faults ? JSON.stringify(faults) : undefined;
    const headers = faults ? { 'content-type': 'application/json' } : undefined;
    // One the launcher is starting again does not listen yet, and starts without faults.
    const answer = await platform.launcher
      .send(instance.port, '/_chaos/faults', { method, body, headers })
      .catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') return undefined;
        throw error;
      });
    if (answer) assert.equal(answer.status, 200);
  }
}

/**
 * A cart change goes balancer -> gateway -> order -> product. Each client
 * request, one at a time: how many attempts reached order and product.
 */
async function cartChanges(): Promise<Array<{ status: number | undefined; order: number; product: number }>> {
  const outcomes = [];
  for (let i = 0; i < REQUESTS; i++) {
    const [orderBefore, productBefore] = [await served('order', ORDER_ROUTE), await served('product', PRODUCT_ROUTE)];
    const answer = await client.call('PUT', `/orders/cart/items/${productIds[i % productIds.length]}`, {
      token: shopper.token,
      body: { quantity: 1 },
    });
    const [orderAfter, productAfter] = [await served('order', ORDER_ROUTE), await served('product', PRODUCT_ROUTE)];
    outcomes.push({ status: answer.status, order: orderAfter - orderBefore, product: productAfter - productBefore });
  }
  return outcomes;
}

const ORDER_ROUTE = '/orders/cart/items/:productId';
const PRODUCT_ROUTE = '/products/:id';

test('every product instance failing: each cart change reaches order once and product at most 3 times, not 3 x 3', async () => {
  await setFaults('product', { errorRate: 1 });
  try {
    for (const outcome of await cartChanges()) {
      assert.equal(outcome.status, 503, 'the dependency is unavailable, and the client is told so');
      assert.equal(outcome.order, 1, 'the gateway does not retry an answer that speaks for a deeper failure');
      assert.ok(outcome.product >= 1 && outcome.product <= MAX_ATTEMPTS, `${outcome.product} attempts at product`);
    }
  } finally {
    await setFaults('product', undefined);
  }
});

test('every product instance refusing (503 OVERLOADED): each instance is tried at most once per call, the caller retries nothing', async () => {
  await setFaults('product', { shedRate: 1 });
  try {
    const instances = (await instancesOf('product')).length;
    for (const outcome of await cartChanges()) {
      assert.equal(outcome.status, 503);
      assert.equal(outcome.order, 1);
      assert.ok(outcome.product <= instances, `${outcome.product} attempts at ${instances} refusing instances`);
    }
  } finally {
    await setFaults('product', undefined);
  }
});

test('one product instance dead and the other failing: still at most 3 attempts at product per client request', async () => {
  const [first] = await instancesOf('product');
  assert.ok(first?.pid);
  const pid = first.pid;
  process.kill(pid, 'SIGKILL');
  await waitFor('the killed instance to be gone', () => Promise.resolve(isAlive(pid) ? undefined : true), 10_000);
  await setFaults('product', { errorRate: 1 });
  try {
    for (const outcome of await cartChanges()) {
      assert.equal(outcome.order, 1);
      assert.ok(outcome.product <= MAX_ATTEMPTS, `${outcome.product} attempts at product`);
    }
  } finally {
    await setFaults('product', undefined);
    // The launcher starts it again: the tests after this one count at every instance.
    await waitFor(
      'every product instance serving again',
      async () =>
        (await Promise.all((await instancesOf('product')).map(metricsOf))).every(Boolean) ? true : undefined,
      60_000,
    );
  }
});

test('a criticality claimed by the client is not believed: a search is served as low, whatever it says', async () => {
  const [criticalBefore, lowBefore] = [await admitted('product', 'critical'), await admitted('product', 'low')];
  for (let i = 0; i < 10; i++) {
    const answer = await client.call('GET', '/products?q=a&limit=5', { headers: { 'x-criticality': 'critical' } });
    assert.equal(answer.status, 200);
  }
  assert.equal((await admitted('product', 'critical')) - criticalBefore, 0, 'no request reached product as critical');
  assert.ok((await admitted('product', 'low')) - lowBefore >= 10, 'every search reached product as low');
});

test('a checkout is carried to the services it calls as critical', async () => {
  const before = await admitted('order', 'critical');
  const answer = await client.checkout(shopper);
  assert.ok(answer.status !== undefined && answer.status < 500, `checkout answered ${answer.status}`);
  assert.ok((await admitted('order', 'critical')) - before >= 1);
});
