// Hostile input at the analytics routes beyond analytics.test.ts's admin-only
// query property: hostile tokens, headers, methods and bodies from customers
// and admins alike, the platform routes, and the tables checked unchanged.
// Real PostgreSQL with figures in it; no bus (a stub: nothing is consumed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestIssuer, createTokenVerifier, type TestIssuer } from '@shop/auth';
import { createApp, configSpec, type AnalyticsConfig } from '@shop/analytics-service';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';
import { assertNoHarm, assertWellRefused, hostileRequests, snapshotTables, type RouteSpec } from './support.ts';

let cluster: TestCluster;
let issuer: TestIssuer;
let svc: ServiceUnderTest<AnalyticsConfig>;
const now = new Date('2026-03-01T12:00:00Z');

before(async () => {
  cluster = await startEmbeddedCluster('hostile-analytics');
  issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const bus = { subscribe: () => ({ stop: () => Promise.resolve(), lag: () => Promise.resolve(0) }) };
  svc = await startServiceForTest<AnalyticsConfig>({
    service: 'analytics',
    adminUrl: cluster.adminUrl,
    configSpec,
    createApp: (config, deps) => createApp(config, deps, { verifier, bus, now: () => now }),
  });
  // Figures as the consumer folds them (analytics.test.ts proves the folding).
  await svc.db.query("INSERT INTO orders_per_minute (minute, placed, confirmed) VALUES ('2026-03-01T11:30:00Z', 3, 2)");
  await svc.db.query(
    "INSERT INTO revenue_per_minute (minute, currency, confirmed_minor, refunded_minor) VALUES ('2026-03-01T11:30:00Z', 'USD', 5000, 500)",
  );
  await svc.db.query(
    "INSERT INTO product_sales (product_id, currency, name, units, revenue_minor) VALUES ('p-1', 'USD', 'Chair', 2, 5000), ('p-2', 'EUR', NULL, 1, 700)",
  );
});
after(async () => {
  await svc.close();
  await cluster.close();
});

test('property: hostile requests at the analytics routes never 5xx, and change no table', async (t) => {
  const admin = `Bearer ${await issuer.token({ role: 'admin' })}`;
  const customer = `Bearer ${await issuer.token({ role: 'customer' })}`;
  const routes: RouteSpec[] = [
    { method: 'GET', path: fc.constant('/analytics/summary'), query: ['from', 'to'] },
    { method: 'GET', path: fc.constant('/analytics/top-products'), query: ['limit', 'by', 'currency'] },
    {
      method: 'GET',
      path: fc.constantFrom(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        '/analytics',
        '/analytics/',
        '/analytics/summary/x',
      ),
    },
  ];
  const tally = await assertNoHarm(svc.app, hostileRequests(routes, { tokens: [admin, admin, customer] }), {
    numRuns: 100,
    snapshot: () => snapshotTables(svc.db),
  });
  t.diagnostic(`statuses: ${tally.toString()}`);
  assert.ok(
    tally.count((s) => s === 200) > 0 && tally.count((s) => s === 400) > 0 && tally.count((s) => s === 403) > 0,
    `reached handlers, validation and the admin check: ${tally.toString()}`,
  );
});

test('a customer gets 403 and none of the figures, whatever the query asks for', async () => {
  const customer = { authorization: `Bearer ${await issuer.token({ role: 'customer' })}` };
  for (const url of [
    '/analytics/top-products?currency=USD',
    '/analytics/summary?from=2026-03-01T11:00:00Z',
    '/analytics/top-products?role=admin',
    '/analytics/summary?__proto__[role]=admin',
  ]) {
    const response = await svc.app.inject({ method: 'GET', url, headers: customer });
    assertWellRefused(response, url);
    assert.equal(response.statusCode, 403, url);
    assert.ok(
      !response.body.includes('Chair') && !response.body.includes('5000'),
      `${url} leaked figures: ${response.body}`,
    );
  }
});
