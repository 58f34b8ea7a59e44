// mTLS between services: every refusal the mesh promises, against a real TLS listener.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { createMeshClient } from '@shop/mesh';
import { createCertificateAuthority, type PemBundle } from '@shop/mesh/pki';
import { createLogger, createServiceApp, ServiceMetrics, type ServiceApp } from '@shop/platform';

let server: ServiceApp;
let url: string;
let certs: Record<'payment' | 'order' | 'notification' | 'foreignOrder' | 'expiredOrder', PemBundle>;

before(async () => {
  const { ca } = await createCertificateAuthority();
  const { ca: foreign } = await createCertificateAuthority('not our CA');
  certs = {
    payment: await ca.issue('payment'),
    order: await ca.issue('order'),
    notification: await ca.issue('notification'),
    foreignOrder: await foreign.issue('order'),
    expiredOrder: await ca.issue('order', { notBefore: new Date(Date.now() - 3 * 86_400_000), validForMs: 86_400_000 }),
  };
  const identity = { service: 'payment', instance: 'payment-t', region: 'us-east' };
  server = createServiceApp({
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness: [],
    tls: certs.payment,
  });
  server.post('/payments/charges', { config: { callers: ['order'] } }, (req) => ({
    charged: true,
    caller: req.caller,
  }));
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

after(() => server.close());

function agentWith(bundle: Partial<PemBundle> & { ca: string }): Agent {
  return new Agent({
    connect: { ca: bundle.ca, cert: bundle.cert, key: bundle.key, rejectUnauthorized: true, servername: 'localhost' },
  });
}

test('the right caller with a valid certificate is served, and its identity is known', async () => {
  const response = await request(`${url}/payments/charges`, { method: 'POST', dispatcher: agentWith(certs.order) });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(await response.body.json(), { charged: true, caller: 'order' });
});

test('plaintext HTTP is refused', async () => {
  await assert.rejects(fetch(url.replace('https:', 'http:') + '/health'));
});

test('a client without a certificate is refused at the handshake', async () => {
  await assert.rejects(request(`${url}/health`, { dispatcher: agentWith({ ca: certs.order.ca }) }));
});

test('a certificate from an unknown CA is refused', async () => {
  await assert.rejects(
    request(`${url}/health`, { dispatcher: agentWith({ ...certs.foreignOrder, ca: certs.order.ca }) }),
  );
});

test('an expired certificate is refused', async () => {
  await assert.rejects(request(`${url}/health`, { dispatcher: agentWith(certs.expiredOrder) }));
});

test('a valid identity that is not allowed on the route gets 403', async () => {
  const forbidden = await request(`${url}/payments/charges`, {
    method: 'POST',
    dispatcher: agentWith(certs.notification),
  });
  assert.equal(forbidden.statusCode, 403);
  assert.equal(((await forbidden.body.json()) as { code: string }).code, 'FORBIDDEN');
  const health = await request(`${url}/health`, { dispatcher: agentWith(certs.notification) });
  assert.equal(health.statusCode, 200, 'routes without a caller rule accept any mesh identity');
  await health.body.dump();
});

test('the mesh client refuses a server that is not the service it meant to call', async () => {
  const asUser = createMeshClient({
    service: 'user',
    caller: 'order',
    instances: [url],
    tls: certs.order,
    policy: { maxAttempts: 1 },
  });
  await assert.rejects(asUser.request({ method: 'GET', path: '/health' }), { code: 'DEPENDENCY_UNAVAILABLE' });
  await asUser.close();
  const asPayment = createMeshClient({ service: 'payment', caller: 'order', instances: [url], tls: certs.order });
  const ok = await asPayment.request<{ caller: string }>({
    method: 'POST',
    path: '/payments/charges',
    body: {},
    headers: { 'idempotency-key': 'k-1' },
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.caller, 'order');
  await asPayment.close();
});
