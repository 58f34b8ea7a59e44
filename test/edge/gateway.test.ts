// The gateway in front of a stand-in upstream that echoes what it received:
// token checks (RFC 8725), rate limits, internal routes and forwarding.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT, UnsecuredJWT, generateKeyPair } from 'jose';
import { createTestIssuer, createTokenVerifier, TOKEN_AUDIENCE, TOKEN_ISSUER, type TestIssuer } from '@shop/auth';
import { createLogger, createPeerClient, loadConfig, ServiceMetrics, type ServiceApp } from '@shop/platform';
import { createGateway, gatewaySpec, MemoryRateLimitStore } from '@shop/gateway';
import { startTelemetry } from '@shop/telemetry';

let upstream: FastifyInstance;
let gateway: ServiceApp;
let issuer: TestIssuer;
let upstreamUrl: string;

before(async () => {
  startTelemetry({ service: 'gateway', instance: 'gateway-t', region: 'us-east', endpoint: undefined });
  upstream = Fastify();
  upstream.all('/*', (request) => ({ method: request.method, url: request.url, headers: request.headers, body: request.body ?? null }));
  upstreamUrl = await upstream.listen({ host: '127.0.0.1', port: 0 });
  issuer = await createTestIssuer('gw-key');
  const env = { PORT: '0', INSTANCE_ID: 'gateway-t', RATE_LIMIT_USER_PER_SEC: '5', RATE_LIMIT_ANON_PER_SEC: '3', LOG_LEVEL: 'silent' } as Record<string, string>;
  for (const s of ['USER', 'PRODUCT', 'ORDER', 'PAYMENT', 'NOTIFICATION']) env[`PEER_${s}_URLS`] = upstreamUrl;
  const config = loadConfig(gatewaySpec, env);
  const peer = (service: string) => createPeerClient({ service, urls: [upstreamUrl], caller: 'gateway' });
  gateway = createGateway(config, {
    logger: createLogger({ service: 'gateway', instance: 'gateway-t', region: 'us-east', level: 'silent' }),
    metrics: new ServiceMetrics({ service: 'gateway', instance: 'gateway-t', region: 'us-east' }),
    verifier: createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) }),
    peers: { user: peer('user'), product: peer('product'), order: peer('order'), payment: peer('payment'), notification: peer('notification') },
    rateLimits: new MemoryRateLimitStore(),
  });
  await gateway.ready();
});

after(async () => {
  await gateway.close();
  await upstream.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('forwards method, path, query and body bytes, with a correlation id and trace context', async () => {
  const token = await issuer.token({});
  const response = await gateway.inject({ method: 'PUT', url: '/orders/cart/items/abc?x=1', headers: { ...bearer(token), 'content-type': 'application/json', 'x-request-id': 'corr-1' }, payload: '{"quantity":2}' });
  assert.equal(response.statusCode, 200);
  const echoed = response.json();
  assert.equal(echoed.method, 'PUT');
  assert.equal(echoed.url, '/orders/cart/items/abc?x=1');
  assert.deepEqual(echoed.body, { quantity: 2 });
  assert.equal(echoed.headers['x-request-id'], 'corr-1');
  assert.match(echoed.headers.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(echoed.headers.authorization, `Bearer ${token}`);
});

test('token attacks are refused with 401 before reaching a service', async () => {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const claims = { role: 'admin', email: 'x@y.z' };
  const sign = (builder: SignJWT) => builder.setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setSubject('u').setJti('j').setIssuedAt().setExpirationTime('5m');
  const valid = await issuer.token({});
  const [h, p] = valid.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${valid.split('.')[2]}`;
  const attacks: Record<string, string> = {
    'alg none': new UnsecuredJWT(claims).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setSubject('u').setExpirationTime('5m').encode(),
    'wrong key, known kid': await sign(new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'gw-key' })).sign(privateKey),
    expired: await issuer.token({ expiresInSec: -120 }),
    'wrong audience': await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'gw-key' }).setIssuer(TOKEN_ISSUER).setAudience('urn:other').setSubject('u').setJti('j').setIssuedAt().setExpirationTime('5m').sign(privateKey),
    'tampered payload': tampered,
    'HS256 with the public key': await sign(new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'gw-key' })).sign(new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0]))),
  };
  for (const [name, token] of Object.entries(attacks)) {
    const response = await gateway.inject({ url: '/orders', headers: bearer(token) });
    assert.equal(response.statusCode, 401, name);
    assert.equal(response.json().code, 'UNAUTHENTICATED', name);
  }
  const garbage = await gateway.inject({ url: '/orders', headers: { authorization: 'Basic abc' } });
  assert.equal(garbage.statusCode, 401);
});

test('internal routes are not reachable from outside', async () => {
  for (const url of ['/payments/charges', '/payments/ledger?orderId=x', '/users/keys/rotate']) {
    const response = await gateway.inject({ method: 'POST', url, headers: bearer(await issuer.token({ role: 'admin' })) });
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
  for (let i = 0; i < 5; i++) statuses.push((await gateway.inject({ url: '/products', remoteAddress: '10.9.9.9' })).statusCode);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  assert.equal((await gateway.inject({ url: '/products', remoteAddress: '10.9.9.10' })).statusCode, 200);
});

test('CORS preflight is answered at the edge', async () => {
  const response = await gateway.inject({ method: 'OPTIONS', url: '/orders', headers: { origin: 'http://shop.local', 'access-control-request-method': 'POST' } });
  assert.equal(response.statusCode, 204);
  assert.equal(response.headers['access-control-allow-origin'], '*');
  assert.match(String(response.headers['access-control-allow-headers']), /idempotency-key/);
});
