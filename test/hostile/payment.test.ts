// Hostile input at every payment route: the reads charges.test.ts's property
// does not reach (GET a charge, GET the ledger), the writes with hostile
// headers and params as well as bodies, and the platform routes. The payment
// routes are internal (mTLS callers: order, launcher), so there is no
// cross-user case here: the user-facing checks live in the order service.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startPayment, startSandbox, type PaymentService, type RunningSandbox } from '../payment/support.ts';
import {
  assertNoHarm,
  assertWellRefused,
  hostileRequests,
  pathSegment,
  snapshotTables,
  type RouteSpec,
} from './support.ts';

let cluster: TestCluster;
let sandbox: RunningSandbox;
let payment: PaymentService;
let paymentId: string;
const orderId = randomUUID();

before(async () => {
  cluster = await startEmbeddedCluster('hostile-payment');
  sandbox = await startSandbox();
  payment = await startPayment(
    cluster.adminUrl,
    sandbox.url,
    { PROVIDER_TIMEOUT_MS: '2000', RECONCILE_AFTER_MS: '0' },
    { reconciler: false },
  );
  const charged = await payment.app.inject({
    method: 'POST',
    url: '/payments/charges',
    headers: { 'idempotency-key': 'hostile-seed-charge' },
    payload: { orderId, userId: randomUUID(), amountMinor: 5000, currency: 'USD', paymentMethod: 'pm_card_visa' },
  });
  assert.equal(charged.statusCode, 201, charged.body);
  paymentId = charged.json().paymentId;
});
after(async () => {
  await payment?.close();
  await sandbox?.close();
  await cluster?.close();
});

/** The service's tables and what the provider holds: a refused request moves no money anywhere. */
async function snapshot(): Promise<Record<string, unknown>> {
  const provider = await sandbox.ledger();
  return {
    ...(await snapshotTables(payment.db)),
    providerIntents: provider.intents.length,
    providerRefunds: provider.refunds.length,
  };
}

test('property: hostile requests at every payment route never 5xx, and a refusal changes nothing here or at the provider', async (t) => {
  const ids = [paymentId, orderId];
  const routes: RouteSpec[] = [
    { method: 'GET', path: pathSegment(ids).map((s) => `/payments/charges/${s}`) },
    { method: 'GET', path: fc.constant(`/payments/charges/${paymentId}`) },
    { method: 'GET', path: fc.constant('/payments/ledger'), query: ['orderId'] },
    {
      method: 'POST',
      path: fc.constant('/payments/charges'),
      body: {
        orderId: randomUUID(),
        userId: randomUUID(),
        amountMinor: 100,
        currency: 'USD',
        paymentMethod: 'pm_card_visa',
      },
    },
    { method: 'POST', path: pathSegment(ids).map((s) => `/payments/charges/${s}/refunds`), body: { amountMinor: 1 } },
    { method: 'POST', path: fc.constant(`/payments/charges/${paymentId}/refunds`), body: { amountMinor: 1 } },
    {
      method: 'GET',
      path: fc.constantFrom(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        '/payments',
        '/payments/',
        '/payments/charges',
        '/payments/ledger/x',
      ),
    },
  ];
  const tally = await assertNoHarm(payment.app, hostileRequests(routes, { tokens: ['Bearer not.a.token'], ids }), {
    numRuns: 100,
    snapshot,
  });
  t.diagnostic(`statuses: ${tally.toString()}`);
  assert.ok(
    tally.count((s) => s < 300) > 0 && tally.count((s) => s === 400) > 0,
    `reached handlers and validation: ${tally.toString()}`,
  );
});

test('ids that ajv calls a uuid and PostgreSQL does not (urn:uuid:) are a 400, never a 500', async () => {
  const key = { 'idempotency-key': 'hostile-urn-00000001' };
  const cases = [
    { method: 'GET' as const, url: `/payments/charges/urn:uuid:${paymentId}` },
    { method: 'GET' as const, url: `/payments/ledger?orderId=urn:uuid:${orderId}` },
    {
      method: 'POST' as const,
      url: `/payments/charges/urn:uuid:${paymentId}/refunds`,
      headers: key,
      payload: { amountMinor: 1 },
    },
    {
      method: 'POST' as const,
      url: '/payments/charges',
      headers: key,
      payload: {
        orderId: `urn:uuid:${randomUUID()}`,
        userId: randomUUID(),
        amountMinor: 100,
        currency: 'USD',
        paymentMethod: 'pm_card_visa',
      },
    },
  ];
  const before = await snapshot();
  const failures: string[] = [];
  for (const c of cases) {
    try {
      assertWellRefused(await payment.app.inject(c), `${c.method} ${c.url} ${JSON.stringify(c.payload ?? '')}`);
    } catch (error) {
      failures.push((error as Error).message.split('\n')[0]!);
    }
  }
  assert.deepEqual(await snapshot(), before, 'a refused request moved no money');
  assert.deepEqual(failures, []);
});
