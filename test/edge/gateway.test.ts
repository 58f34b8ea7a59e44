// The gateway in front of a stand-in upstream that echoes what it received:
// token checks (RFC 8725), rate limits, internal routes and forwarding.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  createAttackTokens,
  createTestIssuer,
  createTokenVerifier,
  type AttackTokens,
  type TestIssuer,
  type TokenVerifier,
} from '@shop/auth';
import { createLogger, createPeerClient, loadConfig, ServiceMetrics, type ServiceApp } from '@shop/platform';
import { createGateway, gatewaySpec, MemoryRateLimitStore, type GatewayDeps } from '@shop/gateway';
import { startTelemetry } from '@shop/telemetry';

let upstream: FastifyInstance;
/** The analytics service's stand-in: says who it is, so routing to it is visible. */
let analytics: FastifyInstance;
let gateway: ServiceApp;
let makeGateway: (peers: GatewayDeps['peers']) => ServiceApp;
let issuer: TestIssuer;
let upstreamUrl: string;
let attacks: AttackTokens;
/** Signature checks the gateway has asked for. */
let verifications = 0;
const frozenAt = Date.now();

before(async () => {
  startTelemetry({ service: 'gateway', instance: 'gateway-t', region: 'us-east', endpoint: undefined });
  upstream = Fastify();
  upstream.all('/*', (request) => ({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body ?? null,
  }));
  upstreamUrl = await upstream.listen({ host: '127.0.0.1', port: 0 });
  issuer = await createTestIssuer('gw-key');
  attacks = await createAttackTokens(issuer);
  const env = {
    PORT: '0',
    INSTANCE_ID: 'gateway-t',
    RATE_LIMIT_USER_PER_SEC: '5',
    RATE_LIMIT_ANON_PER_SEC: '3',
    RATE_LIMIT_INVALID_TOKEN_PER_SEC: '3',
    LOG_LEVEL: 'silent',
  } as Record<string, string>;
  for (const s of ['USER', 'PRODUCT', 'ORDER', 'PAYMENT', 'NOTIFICATION']) env[`PEER_${s}_URLS`] = upstreamUrl;
  const config = loadConfig(gatewaySpec, env);
  analytics = Fastify();
  analytics.all('/*', (request) => ({ service: 'analytics', url: request.url }));
  const analyticsUrl = await analytics.listen({ host: '127.0.0.1', port: 0 });
  const peer = (service: string, url = upstreamUrl) => createPeerClient({ service, urls: [url], caller: 'gateway' });
  makeGateway = (peers) =>
    createGateway(config, {
      logger: createLogger({ service: 'gateway', instance: 'gateway-t', region: 'us-east', level: 'silent' }),
      metrics: new ServiceMetrics({ service: 'gateway', instance: 'gateway-t', region: 'us-east' }),
      verifier: countVerifications(createTokenVerifier({ loadKeys: () => Promise.resolve(attacks.jwks) })),
      peers,
      rateLimits: new MemoryRateLimitStore(),
      // Limits do not refill during the suite: every burst below is exact, however slow the machine.
      now: () => frozenAt,
    });
  gateway = makeGateway({
    user: peer('user'),
    product: peer('product'),
    order: peer('order'),
    payment: peer('payment'),
    notification: peer('notification'),
    analytics: peer('analytics', analyticsUrl),
  });
  await gateway.ready();
});

after(async () => {
  await gateway.close();
  await upstream.close();
  await analytics.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function countVerifications(verifier: TokenVerifier): TokenVerifier {
  return {
    verify: (token) => {
      verifications += 1;
      return verifier.verify(token);
    },
  };
}

test('forwards method, path, query and body bytes, with a correlation id and trace context', async () => {
  const token = await issuer.token({});
  const response = await gateway.inject({
    method: 'PUT',
    url: '/orders/cart/items/abc?x=1',
    headers: { ...bearer(token), 'content-type': 'application/json', 'x-request-id': 'corr-1' },
    payload: '{"quantity":2}',
  });
  assert.equal(response.statusCode, 200);
  const echoed = response.json();
  assert.equal(echoed.method, 'PUT');
  assert.equal(echoed.url, '/orders/cart/items/abc?x=1');
  assert.deepEqual(echoed.body, { quantity: 2 });
  assert.equal(echoed.headers['x-request-id'], 'corr-1');
  assert.match(echoed.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(echoed.headers.authorization, `Bearer ${token}`);
});

test('token attacks (RFC 8725) are refused with 401, each by its own check, before reaching a service', async (t) => {
  let i = 0;
  for (const [name, attack] of Object.entries(attacks.attacks)) {
    i += 1;
    await t.test(name, async () => {
      // Each from its own address, so the refused-token limit does not answer first.
      const response = await gateway.inject({
        url: '/orders',
        headers: bearer(attack.token),
        remoteAddress: `192.0.2.${i}`,
      });
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().code, 'UNAUTHENTICATED');
      assert.match(response.json().detail, attack.refusal);
    });
  }
  const garbage = await gateway.inject({
    url: '/orders',
    headers: { authorization: 'Basic abc' },
    remoteAddress: '192.0.2.200',
  });
  assert.equal(garbage.statusCode, 401);
  const good = await gateway.inject({
    url: '/orders',
    headers: bearer(await issuer.token({})),
    remoteAddress: '192.0.2.201',
  });
  assert.equal(good.statusCode, 200, 'control: a good token passes with the same key set');
});

test('/analytics/* goes to the analytics service; a region without one answers 503 problem+json', async () => {
  const admin = bearer(await issuer.token({ role: 'admin' }));
  const routed = await gateway.inject({
    url: '/analytics/summary?from=2026-01-01T00:00:00Z',
    headers: admin,
    remoteAddress: '192.0.2.210',
  });
  assert.equal(routed.statusCode, 200);
  assert.deepEqual(routed.json(), { service: 'analytics', url: '/analytics/summary?from=2026-01-01T00:00:00Z' });
  const peer = (service: string) => createPeerClient({ service, urls: [upstreamUrl], caller: 'gateway' });
  const without = makeGateway({
    user: peer('user'),
    product: peer('product'),
    order: peer('order'),
    payment: peer('payment'),
    notification: peer('notification'),
  });
  try {
    const missing = await without.inject({
      url: '/analytics/top-products',
      headers: admin,
      remoteAddress: '192.0.2.211',
    });
    assert.equal(missing.statusCode, 503);
    assert.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(missing.json().code, 'DEPENDENCY_UNAVAILABLE');
  } finally {
    await without.close();
  }
});

test('internal routes are not reachable from outside', async () => {
  for (const url of ['/payments/charges', '/payments/ledger?orderId=x', '/users/keys/rotate']) {
    const response = await gateway.inject({
      method: 'POST',
      url,
      headers: bearer(await issuer.token({ role: 'admin' })),
    });
    assert.equal(response.statusCode, 404, url);
  }
  assert.equal((await gateway.inject({ url: '/inventory/reservations' })).statusCode, 404);
});

test('per-user rate limit: 429 with Retry-After and RateLimit headers once the burst is spent', async () => {
  const token = await issuer.token({});
  const statuses: number[] = [];
  let last: Awaited<ReturnType<typeof gateway.inject>> | undefined;
  for (let i = 0; i < 7; i++) {
    last = await gateway.inject({ url: '/products', headers: bearer(token) });
    statuses.push(last.statusCode);
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
  assert.equal(last?.headers['retry-after'], '1');
  assert.equal(last?.headers['ratelimit-remaining'], '0');
  assert.equal(last?.json().code, 'RATE_LIMITED');
  const other = await gateway.inject({ url: '/products', headers: bearer(await issuer.token({})) });
  assert.equal(other.statusCode, 200, 'another user has their own budget');
});

test('anonymous traffic is limited per address', async () => {
  const statuses = [];
  for (let i = 0; i < 5; i++)
    statuses.push((await gateway.inject({ url: '/products', remoteAddress: '10.9.9.9' })).statusCode);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  assert.equal((await gateway.inject({ url: '/products', remoteAddress: '10.9.9.10' })).statusCode, 200);
});

test('behind the balancer (a trusted loopback hop) each client address has its own anonymous budget', async () => {
  const from = (client: string) =>
    gateway.inject({ url: '/products', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });
  const first = [];
  for (let i = 0; i < 4; i++) first.push((await from('203.0.113.7')).statusCode);
  assert.deepEqual(first, [200, 200, 200, 429]);
  assert.equal((await from('203.0.113.8')).statusCode, 200, 'another client behind the same balancer is not limited');
});

test('an untrusted peer cannot pick a fresh address with X-Forwarded-For', async () => {
  const statuses = [];
  for (let i = 0; i < 4; i++)
    statuses.push(
      (
        await gateway.inject({
          url: '/products',
          remoteAddress: '198.51.100.9',
          headers: { 'x-forwarded-for': `10.0.0.${i}` },
        })
      ).statusCode,
    );
  assert.deepEqual(statuses, [200, 200, 200, 429]);
});

test('a flood of refused tokens from one address is rate limited', async () => {
  const forged = attacks.attacks['wrong key under the real kid']!.token;
  const statuses = [];
  for (let i = 0; i < 6; i++)
    statuses.push(
      (await gateway.inject({ url: '/orders', headers: bearer(forged), remoteAddress: '198.51.100.20' })).statusCode,
    );
  assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
  assert.equal(
    (await gateway.inject({ url: '/orders', headers: bearer(forged), remoteAddress: '198.51.100.21' })).statusCode,
    401,
    'another address is not limited',
  );
});

test('once an address is over its refused-token limit, its tokens are refused before verification', async () => {
  const forged = attacks.attacks['tampered payload (customer made admin)']!.token;
  const before = verifications;
  for (let i = 0; i < 20; i++)
    await gateway.inject({ url: '/orders', headers: bearer(forged), remoteAddress: '198.51.100.30' });
  assert.equal(verifications - before, 4, 'three refusals within the limit and the one that spent it; none after');
});

test("a valid user is charged once: their requests do not spend their address's anonymous budget", async () => {
  const token = await issuer.token({});
  for (let i = 0; i < 5; i++)
    assert.equal(
      (await gateway.inject({ url: '/products', headers: bearer(token), remoteAddress: '198.51.100.40' })).statusCode,
      200,
    );
  const anonymous = [];
  for (let i = 0; i < 3; i++)
    anonymous.push((await gateway.inject({ url: '/products', remoteAddress: '198.51.100.40' })).statusCode);
  assert.deepEqual(anonymous, [200, 200, 200]);
});

test('CORS preflight is answered at the edge', async () => {
  const response = await gateway.inject({
    method: 'OPTIONS',
    url: '/orders',
    headers: { origin: 'http://shop.local', 'access-control-request-method': 'POST' },
  });
  assert.equal(response.statusCode, 204);
  assert.equal(response.headers['access-control-allow-origin'], '*');
  assert.match(String(response.headers['access-control-allow-headers']), /idempotency-key/);
});

test('an upstream answering 503 to every attempt: the gateway passes its last answer on, not a 500', async () => {
  const failing = Fastify();
  failing.all('/*', (_request, reply) =>
    reply
      .status(503)
      .header('retry-after', '1')
      .type('application/problem+json')
      .send({ status: 503, code: 'SHUTTING_DOWN', title: 'Shutting down' }),
  );
  const failingUrl = await failing.listen({ host: '127.0.0.1', port: 0 });
  const peer = (service: string, url = upstreamUrl) => createPeerClient({ service, urls: [url], caller: 'gateway' });
  const edge = makeGateway({
    user: peer('user'),
    product: peer('product', failingUrl),
    order: peer('order'),
    payment: peer('payment'),
    notification: peer('notification'),
    analytics: peer('analytics'),
  });
  try {
    await edge.ready();
    // A GET is retried on a 5xx; when the attempts run out the mesh hands over the last answer it kept.
    const response = await edge.inject({ method: 'GET', url: '/products/abc' });
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.json().code, 'SHUTTING_DOWN');
  } finally {
    await edge.close();
    await failing.close();
  }
});
