// The gateway's /docs: each public service's OpenAPI document, fetched through
// the mesh from stand-in services, with internal routes removed and a cache.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { createTestIssuer, createTokenVerifier } from '@shop/auth';
import { createLogger, createPeerClient, loadConfig, ServiceMetrics, type ServiceApp } from '@shop/platform';
import { createGateway, gatewaySpec, MemoryRateLimitStore } from '@shop/gateway';
import { freePort } from '../support/postgres.ts';

const standIns: FastifyInstance[] = [];
const hits = new Map<string, number>();
let gateway: ServiceApp;

/** What a service's /openapi.json holds (made by the platform from its route schemas). */
function documentOf(service: string, paths: Record<string, string[]>): unknown {
  return {
    openapi: '3.1.0',
    info: { title: `${service} service`, version: '1' },
    paths: Object.fromEntries(
      Object.entries(paths).map(([path, methods]) => [
        path,
        Object.fromEntries(
          methods.map((m) => [m, { summary: `${m} ${path}`, responses: { 200: { description: 'OK' } } }]),
        ),
      ]),
    ),
  };
}

async function standIn(service: string, paths: Record<string, string[]>): Promise<string> {
  const app = Fastify();
  app.get('/openapi.json', () => {
    hits.set(service, (hits.get(service) ?? 0) + 1);
    return documentOf(service, paths);
  });
  standIns.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

before(async () => {
  const urls: Record<string, string> = {
    user: await standIn('user', { '/users': ['post'], '/users/me': ['get'], '/users/keys/rotate': ['post'] }),
    product: await standIn('product', { '/products': ['get'], '/products/{productId}': ['get'] }),
    order: await standIn('order', { '/orders': ['get', 'post'] }),
    payment: await standIn('payment', { '/payments/charges': ['post'] }),
    notification: `http://127.0.0.1:${await freePort()}`, // down
  };
  const env: Record<string, string> = {
    PORT: '0',
    INSTANCE_ID: 'gateway-docs',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ANON_PER_SEC: '1000',
  };
  for (const [service, url] of Object.entries(urls)) env[`PEER_${service.toUpperCase()}_URLS`] = url;
  const peer = (service: string) =>
    createPeerClient({ service, urls: [urls[service]!], caller: 'gateway', policy: { maxAttempts: 1 } });
  const issuer = await createTestIssuer();
  gateway = createGateway(loadConfig(gatewaySpec, env), {
    logger: createLogger({ service: 'gateway', instance: 'gateway-docs', region: 'us-east', level: 'silent' }),
    metrics: new ServiceMetrics({ service: 'gateway', instance: 'gateway-docs', region: 'us-east' }),
    verifier: createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) }),
    peers: {
      user: peer('user'),
      product: peer('product'),
      order: peer('order'),
      payment: peer('payment'),
      notification: peer('notification'),
    },
    rateLimits: new MemoryRateLimitStore(),
  });
  await gateway.ready();
});

after(async () => {
  await gateway.close();
  await Promise.all(standIns.map((app) => app.close()));
});

test("a service's document is served at /docs/<service>.json, fetched from the service, without its internal routes", async () => {
  const response = await gateway.inject({ url: '/docs/user.json' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /application\/json/);
  const doc = response.json();
  assert.equal(doc.info.title, 'user service');
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/users', '/users/me']);
});

test('documents are cached: a second read does not ask the service again', async () => {
  await gateway.inject({ url: '/docs/product.json' });
  await gateway.inject({ url: '/docs/product.json' });
  assert.equal(hits.get('product'), 1);
});

test("/docs is an HTML index of every public service's operations, and says which service is unavailable", async () => {
  const response = await gateway.inject({ url: '/docs' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /text\/html/);
  for (const service of ['user', 'product', 'order', 'notification'])
    assert.match(response.body, new RegExp(`href="/docs/${service}\\.json"`));
  assert.match(response.body, /<code>POST<\/code><\/td><td><code>\/orders<\/code>/);
  assert.match(response.body, /<code>GET<\/code><\/td><td><code>\/products\/\{productId\}<\/code>/);
  assert.doesNotMatch(response.body, /keys\/rotate|payments/);
  assert.match(response.body, /notification.*Unavailable right now/s);
});

test('an internal-only service has no public document; an unreachable one is a 503 problem', async () => {
  assert.equal((await gateway.inject({ url: '/docs/payment.json' })).statusCode, 404);
  assert.equal(hits.get('payment'), undefined, 'the payment service was never asked');
  const down = await gateway.inject({ url: '/docs/notification.json' });
  assert.equal(down.statusCode, 503);
  assert.equal(down.json().code, 'DEPENDENCY_UNAVAILABLE');
});
