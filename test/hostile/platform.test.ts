// Hostile input at the routes every service gets from the platform kit:
// /_chaos/faults (registered only under mTLS, callable only by the launcher),
// /health, /ready, /metrics and /openapi.json. Over a real mTLS listener on
// loopback, as the launcher and as another mesh identity: no 5xx, refusals
// are problem+json, and a refused request leaves the injected faults as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { createCertificateAuthority } from '@shop/mesh/pki';
import { createLogger, createServiceApp, ServiceMetrics, type ServiceApp } from '@shop/platform';
import { assertNoHarm, hostileRequests, type HostileRequest, type RouteSpec } from './support.ts';

const FAULTS = '/_chaos/faults';
let server: ServiceApp;
let url: string;
let launcher: Agent;
let order: Agent;

before(async () => {
  const { ca } = await createCertificateAuthority();
  const [own, asLauncher, asOrder] = await Promise.all([ca.issue('product'), ca.issue('launcher'), ca.issue('order')]);
  const identity = { service: 'product', instance: 'product-hostile', region: 'us-east' };
  server = createServiceApp({
    ...identity,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    readiness: [],
    tls: own,
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const agent = (bundle: typeof own) =>
    new Agent({
      connect: { ca: bundle.ca, cert: bundle.cert, key: bundle.key, rejectUnauthorized: true, servername: 'localhost' },
    });
  launcher = agent(asLauncher);
  order = agent(asOrder);
});
after(async () => {
  await launcher.close();
  await order.close();
  await server.close();
});

/** inject()'s shape over a real mTLS connection, as the identity the request's authorization header names. */
const overTls = {
  inject: async (options: {
    method: HostileRequest['method'];
    url: string;
    headers: Record<string, string>;
    payload?: string;
  }) => {
    const { authorization, ...headers } = options.headers;
    const response = await request(`${url}${options.url}`, {
      method: options.method,
      headers,
      body: options.payload,
      dispatcher: authorization === 'launcher' ? launcher : order,
    });
    const body = await response.body.text();
    return { statusCode: response.statusCode, headers: response.headers, body } as never;
  },
};

async function faults(): Promise<Record<string, unknown>> {
  const response = await request(`${url}${FAULTS}`, { dispatcher: launcher });
  assert.equal(response.statusCode, 200);
  return (await response.body.json()) as Record<string, unknown>;
}

test('property: hostile requests at the platform routes never 5xx, and a refused one leaves the faults as they were', async (t) => {
  const routes: RouteSpec[] = [
    { method: 'PUT', path: fc.constant(FAULTS), body: { latencyMs: 0, errorRate: 0 } },
    { method: 'GET', path: fc.constant(FAULTS) },
    { method: 'DELETE', path: fc.constant(FAULTS) },
    {
      method: 'GET',
      path: fc.constantFrom('/health', '/ready', '/metrics', '/openapi.json', `${FAULTS}/`, '/_chaos', `${FAULTS}%00`),
    },
  ];
  // "authorization" picks the client certificate here: the launcher's (allowed) or the order service's (not).
  const tally = await assertNoHarm(overTls, hostileRequests(routes, { tokens: ['launcher', 'launcher', 'order'] }), {
    numRuns: 100,
    snapshot: faults,
    // An accepted change is healed at once, so no later request waits on or fails by it.
    afterEach: async (_request, response) => {
      if (response.statusCode < 300)
        assert.equal((await request(`${url}${FAULTS}`, { method: 'DELETE', dispatcher: launcher })).statusCode, 200);
    },
  });
  t.diagnostic(`statuses: ${tally.toString()}`);
  assert.ok(
    tally.count((s) => s === 200) > 0 && tally.count((s) => s === 400) > 0 && tally.count((s) => s === 403) > 0,
    `reached the routes, validation and the caller rule: ${tally.toString()}`,
  );
  assert.deepEqual(await faults(), { latencyMs: 0, errorRate: 0, shedRate: 0 });
});
