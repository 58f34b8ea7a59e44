// The shop end to end, over real processes, through the public entry point
// (load balancer -> gateway -> services), as a customer would use it: once on
// the embedded defaults, and once on the machine's real engines (PostgreSQL
// with a streaming replica, Redis, NATS JetStream), the same code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dropServiceDatabases } from '@shop/data';
import { createJetStreamBus } from '@shop/events';
import { startLauncher, waitFor, writeTopology, type RunningLauncher } from '../support/launcher.ts';
import { EXTERNAL_URL, externalServer, freePort, scratchDir, uniquePrefix } from '../support/postgres.ts';
import { REPLICA_URL, replicaSkip } from '../data/support/replica.ts';
import { redisSkip, REDIS_URL } from '../data/support/redis.ts';
import { natsServer } from '../events/nats.ts';

const portBase = 23_000;
const api = `http://127.0.0.1:${portBase + 99}`;
const mailbox = `http://127.0.0.1:${portBase + 92}`;
const collector = `http://127.0.0.1:${portBase + 93}`;
const SERVICES = ['user', 'product', 'order', 'payment', 'notification', 'analytics', 'events', 'registry'];

interface Target {
  name: string;
  /** Why it cannot run here (an engine is unreachable outside CI), or false. */
  skip: string | false;
  env: Record<string, string>;
  cleanUp(): Promise<void>;
}

async function realEngines(): Promise<Target> {
  const prefix = uniquePrefix('e2e');
  const namespace = prefix.replaceAll('_', '');
  const postgres = await externalServer();
  const nats = await natsServer();
  const reasons = [
    'skip' in postgres ? postgres.skip : '',
    (await replicaSkip()) || '',
    (await redisSkip()) || '',
    'skip' in nats ? nats.skip : '',
  ].filter(Boolean);
  return {
    name: 'real engines: PostgreSQL + streaming replica, Redis, NATS JetStream',
    skip: reasons.length > 0 ? reasons.join('; ') : false,
    env: {
      DATABASE_URL: EXTERNAL_URL,
      DATABASE_REPLICA_URLS: REPLICA_URL,
      REDIS_URL,
      NATS_URL: 'url' in nats ? nats.url : '',
      DB_PREFIX: prefix,
    },
    cleanUp: async () => {
      if ('url' in nats) {
        const bus = createJetStreamBus({ servers: nats.url, namespace });
        await bus.destroyNamespace().finally(() => bus.close());
      }
      await dropServiceDatabases({ adminUrl: EXTERNAL_URL, services: SERVICES, prefix });
    },
  };
}

const targets: Target[] = [
  { name: 'embedded defaults', skip: false, env: {}, cleanUp: () => Promise.resolve() },
  await realEngines(),
];

for (const target of targets) {
  describe(`the shop on ${target.name}`, { skip: target.skip }, () => {
    let launcher: RunningLauncher;
    let dir: string;

    before(async () => {
      dir = await scratchDir('e2e');
      const topology = await writeTopology(
        dir,
        portBase,
        { user: 2, product: 2, order: 2, payment: 1, notification: 1, analytics: 1 },
        { gateways: 2 },
      );
      launcher = await startLauncher({
        dataDir: dir,
        topology,
        env: {
          EMBEDDED_PG_PORT: String(await freePort()),
          CATALOG_SEED_COUNT: '2000',
          ADMIN_EMAIL: 'admin@shop.test',
          ADMIN_PASSWORD: 'an e2e operator secret',
          ...target.env,
        },
        readyTimeoutMs: 90_000,
      });
    });

    after(async () => {
      await launcher?.interrupt();
      await target.cleanUp();
      await rm(dir, { recursive: true, force: true });
    });

    test('sign up, log in, search with a typo and a facet, add to cart, check out, confirmation email', () =>
      customerJourney());

    if (target.env.DATABASE_URL) {
      test('the engines really served it: the external server, reads on the replica, the bus on JetStream', async () => {
        const state = await launcher.state();
        assert.equal(state.postgres.kind, 'external');
        const product = state.instances.filter((i) => i.service === 'product');
        const replicaReads = async (): Promise<number[]> => {
          const metrics = await Promise.all(product.map(async (i) => (await launcher.get(i.port, '/metrics')).text));
          return metrics
            .map((m) => /db_reads_total\{[^}]*target="replica"[^}]*\} (\d+)/.exec(m)?.[1])
            .map(Number)
            .filter((n) => !Number.isNaN(n));
        };
        // Right after the catalog seed (and its VACUUM) the replica may still be replaying
        // past the lag bound, and reads rightly go to the primary: keep browsing until it
        // has caught up and serves them.
        const served = await waitFor(
          'a product read served by the replica',
          async () => {
            await fetch(`${api}/products?limit=5`).then((r) => r.arrayBuffer());
            const reads = await replicaReads();
            return reads.some((n) => n > 0) ? reads : undefined;
          },
          20_000,
          250,
        ).catch(async () => replicaReads());
        assert.ok(
          served.some((n) => n > 0),
          `product reads were served by the replica: ${JSON.stringify(served)}`,
        );
        const bus = createJetStreamBus({
          servers: target.env.NATS_URL!,
          namespace: target.env.DB_PREFIX!.replaceAll('_', ''),
        });
        try {
          const order = [];
          for await (const event of bus.replay('order')) order.push(event);
          assert.ok(order.length > 0, 'order events were published to JetStream');
        } finally {
          await bus.close();
        }
      });
    }
  });
}

interface Json {
  [key: string]: any;
}

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
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
  return { status: response.status, body: text ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

async function customerJourney(): Promise<void> {
  const email = `ada.${randomUUID().slice(0, 8)}@example.com`;
  const signUp = await call('POST', '/users', {
    body: { email, password: 'correct horse battery staple', name: 'Ada' },
  });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.body));

  const login = await call('POST', '/users/sessions', { body: { email, password: 'correct horse battery staple' } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.accessToken as string;
  assert.ok(token);

  const me = await call('GET', '/users/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.body.email, email);

  // Pick a real product name from the generated catalog, then search for it misspelled.
  const browse = await call('GET', '/products?limit=50');
  assert.equal(browse.status, 200, JSON.stringify(browse.body));
  const target = (browse.body.items as Json[]).find(
    (p) => p.availability?.available === true && /\w{6,}/.test(p.name as string),
  )!;
  assert.ok(target, 'an available product to search for');
  const word = (target.name as string).split(/\s+/).find((w) => w.length >= 6) ?? (target.name as string);
  const typo = word.slice(0, 2) + word.slice(3);
  const search = await call(
    'GET',
    `/products?q=${encodeURIComponent(typo)}&category=${encodeURIComponent(target.category as string)}`,
  );
  assert.equal(search.status, 200, JSON.stringify(search.body));
  assert.ok(
    (search.body.items as Json[]).length > 0,
    `"${typo}" (for "${word}") finds something in ${target.category}`,
  );
  assert.ok(
    (search.body.items as Json[]).every((p) => p.category === target.category),
    'the facet filter holds',
  );
  assert.ok(
    Array.isArray(search.body.facets?.brand ?? search.body.facets?.brands) || typeof search.body.facets === 'object',
  );

  const product = (search.body.items as Json[]).find((p) => p.availability?.available === true) ?? target;
  const add = await call('PUT', `/orders/cart/items/${product.id}`, { token, body: { quantity: 1 } });
  assert.ok(add.status === 200 || add.status === 201 || add.status === 204, JSON.stringify(add.body));
  const cart = await call('GET', '/orders/cart', { token });
  assert.equal(cart.status, 200);
  assert.equal((cart.body.items as Json[]).length, 1);

  const key = randomUUID();
  const order = await call('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': key } });
  assert.ok(order.status === 201 || order.status === 202, JSON.stringify(order.body));
  const orderId = (order.body.id ?? order.body.orderId) as string;
  const confirmed = await waitFor(
    'the order to be confirmed',
    async () => {
      const current = await call('GET', `/orders/${orderId}`, { token });
      return current.body.status === 'confirmed' ? current.body : undefined;
    },
    20_000,
    200,
  );
  assert.equal(confirmed.status, 'confirmed');

  const mail = await waitFor(
    'the confirmation email',
    async () => {
      const response = await fetch(`${mailbox}/mailbox?to=${encodeURIComponent(email)}`);
      const { messages } = (await response.json()) as { messages: Json[] };
      return (
        messages.find(
          (m) => /confirm/i.test(m.subject as string) && (m.text as string).includes(orderId.slice(0, 8)),
        ) ?? undefined
      );
    },
    20_000,
    200,
  );
  assert.ok(mail);

  // One trace of the checkout, every hop from the load balancer to the provider sandbox.
  const traceId = order.headers.get('x-trace-id');
  assert.match(traceId ?? '', /^[0-9a-f]{32}$/);
  // ...and on through the bus: the notification service's handling of the confirmation joins the same trace.
  const wanted = ['lb', 'gateway', 'order', 'product', 'payment', 'payment-sandbox', 'notification'];
  const trace = await waitFor(
    'the checkout trace in the collector',
    async () => {
      const response = await fetch(`${collector}/traces/${traceId}`);
      if (response.status !== 200) return undefined;
      const body = (await response.json()) as {
        spans: Array<{ service: string; name: string; spanId: string; parentSpanId?: string }>;
      };
      const services = new Set(body.spans.map((span) => span.service));
      return wanted.every((service) => services.has(service)) ? body : undefined;
    },
    15_000,
    250,
  );
  const ids = new Set(trace.spans.map((span) => span.spanId));
  const roots = trace.spans.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId));
  assert.equal(
    roots.length,
    1,
    `one connected tree, rooted at the balancer: ${roots.map((r) => `${r.service} ${r.name}`).join(', ')}`,
  );
  assert.equal(roots[0]!.service, 'lb');
  assert.equal((await fetch(`${collector}/traces/${traceId}/view`)).status, 200);

  const replay = await call('POST', '/orders', { token, body: {}, headers: { 'idempotency-key': key } });
  assert.equal(replay.body.id ?? replay.body.orderId, orderId, 'the same key replays the same order');
}
