// Hostile input at the edge: every public prefix the gateway forwards, its
// own /docs routes and the platform routes, with every header a client
// controls (a spent deadline included: at the edge it is the client's). Behind
// it stands one stand-in upstream built on the platform, routing as a service
// does, that records any request reaching an internal route (/payments/*,
// /users/keys/*): the gateway must never let one through, however the path is
// spelt. In process; the upstream listens on loopback for the mesh client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestIssuer, createTokenVerifier, type TestIssuer } from '@shop/auth';
import {
  createLogger,
  createPeerClient,
  createServiceApp,
  loadConfig,
  ServiceMetrics,
  type ServiceApp,
} from '@shop/platform';
import { createGateway, gatewaySpec, MemoryRateLimitStore } from '@shop/gateway';
import {
  assertNoHarm,
  assertWellRefused,
  hostileRequests,
  pathSegment,
  percentEncode,
  type RouteSpec,
} from './support.ts';

let upstream: ServiceApp;
let gateway: ServiceApp;
let issuer: TestIssuer;
/** Requests that reached an internal route of the stand-in: each one a leak. */
const leaked: string[] = [];
let forwarded = 0;

function silent(service: string) {
  const identity = { service, instance: `${service}-t`, region: 'us-east' };
  return {
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness: [],
  };
}

before(async () => {
  upstream = createServiceApp(silent('upstream'));
  upstream.removeAllContentTypeParsers();
  upstream.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const internal = (request: { method: string; url: string }) => {
    leaked.push(`${request.method} ${request.url}`);
    return { internal: true };
  };
  for (const url of ['/payments', '/payments/*', '/users/keys', '/users/keys/*']) upstream.all(url, internal);
  upstream.all('/*', (request) => {
    forwarded += 1;
    return { url: request.url };
  });
  await upstream.listen({ host: '127.0.0.1', port: 0 });
  const address = upstream.server.address();
  const upstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  issuer = await createTestIssuer('gw-hostile');
  const env: Record<string, string> = {
    PORT: '0',
    INSTANCE_ID: 'gateway-hostile',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_USER_PER_SEC: '1000000',
    RATE_LIMIT_ANON_PER_SEC: '1000000',
    RATE_LIMIT_INVALID_TOKEN_PER_SEC: '1000000',
    UPSTREAM_TIMEOUT_MS: '5000',
  };
  for (const s of ['USER', 'PRODUCT', 'ORDER', 'PAYMENT', 'NOTIFICATION', 'ANALYTICS'])
    env[`PEER_${s}_URLS`] = upstreamUrl;
  const peer = (service: string) => createPeerClient({ service, urls: [upstreamUrl], caller: 'gateway' });
  gateway = createGateway(loadConfig(gatewaySpec, env), {
    ...silent('gateway'),
    verifier: createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) }),
    peers: {
      user: peer('user'),
      product: peer('product'),
      order: peer('order'),
      payment: peer('payment'),
      notification: peer('notification'),
      analytics: peer('analytics'),
    },
    rateLimits: new MemoryRateLimitStore(),
  });
  await gateway.ready();
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

/** Spellings of an internal path a router may decode, fold or normalise into the real one. */
const INTERNAL_SPELLINGS = [
  '/payments/charges',
  '/payments/ledger?orderId=x',
  '/users/keys/rotate',
  '/users/keys',
  '/%70ayments/charges',
  '/payment%73/charges',
  '/users/%6beys/rotate',
  '/users/k%65ys/rotate',
  '/users%2Fkeys/rotate',
  '/users/keys%2Frotate',
  '/PAYMENTS/charges',
  '/Users/Keys/rotate',
  '//payments/charges',
  '/users//keys/rotate',
  '/users/./keys/rotate',
  '/users/x/../keys/rotate',
  '/orders/../payments/charges',
  '/orders/%2e%2e/payments/charges',
  '/users/keys;x=1/rotate',
  '/users/keys%3Bx/rotate',
  '/payments%00/charges',
  '/users/keys%09/rotate',
  '/users/keys/%2e%2e/rotate',
  '/users/keys?/rotate',
  '/users?/keys/rotate',
  '/payments?x',
  '/payments#x',
  '/users/%2e/keys/rotate',
];

test('property: hostile requests at the edge never 5xx, refusals are problem+json, and no internal route is ever reached', async (t) => {
  const customer = `Bearer ${await issuer.token({})}`;
  const adminToken = `Bearer ${await issuer.token({ role: 'admin' })}`;
  const prefixes = ['/users', '/products', '/orders', '/notifications', '/analytics', '/payments'];
  const routes: RouteSpec[] = [
    {
      method: 'GET',
      path: fc
        .tuple(fc.constantFrom(...prefixes), fc.array(pathSegment(), { maxLength: 3 }))
        .map(([prefix, segments]) => [prefix, ...segments].join('/')),
    },
    { method: 'POST', path: fc.constantFrom(...INTERNAL_SPELLINGS), body: { amountMinor: 1 } },
    { method: 'PUT', path: fc.constantFrom('/orders/cart/items/x', '/users/me', '/products/x'), body: { quantity: 1 } },
    {
      method: 'GET',
      path: fc.oneof(
        fc.constant('/docs'),
        pathSegment().map((s) => `/docs/${s}`),
        fc.constantFrom(
          '/docs/user.json',
          '/docs/payment.json',
          '/docs/..%2Fpackage.json',
          '/docs/%2e%2e/%2e%2e/etc/passwd',
        ),
      ),
    },
    {
      method: 'GET',
      path: fc.constantFrom(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        '/',
        '/favicon.ico',
        '/_chaos/faults',
        '/userss',
        '/users-x',
      ),
    },
  ];
  const tally = await assertNoHarm(gateway, hostileRequests(routes, { tokens: [customer, adminToken], edge: true }), {
    numRuns: 200,
    snapshot: () => Promise.resolve({ leaked: [...leaked] }),
  });
  t.diagnostic(`statuses: ${tally.toString()}; forwarded: ${forwarded}`);
  assert.deepEqual(leaked, [], 'no request reached an internal route');
  assert.ok(
    forwarded > 0 && tally.count((s) => s === 404) > 0,
    `some requests were forwarded and some refused: ${tally.toString()}`,
  );
});

test('every spelling of an internal route is refused at the edge, or reaches only a public route', async () => {
  const admin = { authorization: `Bearer ${await issuer.token({ role: 'admin' })}` };
  const failures: string[] = [];
  for (const url of INTERNAL_SPELLINGS) {
    for (const method of ['GET', 'POST'] as const) {
      const before = leaked.length;
      const response = await gateway.inject({
        method,
        url,
        headers: admin,
        ...(method === 'POST' ? { payload: { amountMinor: 1 } } : {}),
      });
      try {
        assertWellRefused(response, `${method} ${url}`);
        assert.equal(
          leaked.length,
          before,
          `${method} ${url} reached the upstream's internal route as ${leaked.at(-1) ?? ''}`,
        );
      } catch (error) {
        failures.push((error as Error).message.split('\n')[0]!);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test("a spent deadline from a client (x-request-timeout-ms: 0) is not the edge's 504", async () => {
  // The header is the mesh's: the gateway's own client sets it on every call it forwards.
  // From outside it is a client's say-so, and a client must not be able to make the edge answer 5xx.
  const failures: string[] = [];
  for (const value of ['0', '00', '0000000000']) {
    for (const url of ['/products', '/health', '/docs', `/orders/${percentEncode('x')}`]) {
      try {
        assertWellRefused(
          await gateway.inject({ method: 'GET', url, headers: { 'x-request-timeout-ms': value } }),
          `GET ${url} x-request-timeout-ms: ${value}`,
        );
      } catch (error) {
        failures.push((error as Error).message.split('\n')[0]!);
      }
    }
  }
  assert.deepEqual(failures, []);
});
