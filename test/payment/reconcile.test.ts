// The reconciler: two payment instances on one database settle unknown outcomes
// by asking the provider by idempotency key, and never charge twice.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '@shop/payment-service';
import { createLogger, ServiceMetrics, type ServiceApp } from '@shop/platform';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { eventually, startPayment, startSandbox, type PaymentService, type RunningSandbox } from './support.ts';

let cluster: TestCluster;
let sandbox: RunningSandbox;
let payment: PaymentService;
let second: ServiceApp;

before(async () => {
  cluster = await startEmbeddedCluster('payrec');
  sandbox = await startSandbox();
  payment = await startPayment(cluster.adminUrl, sandbox.url, {
    PROVIDER_TIMEOUT_MS: '1000',
    RECONCILE_INTERVAL_MS: '100',
    RECONCILE_AFTER_MS: '300',
  });
  // A second instance on the same database: both reconcile, SKIP LOCKED and leases keep them apart.
  const identity = { service: 'payment', instance: 'payment-test-2', region: 'us-east' };
  second = createApp(payment.config, {
    service: 'payment',
    db: payment.db,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    lifecycle: { draining: false },
  });
  await second.ready();
});
after(async () => {
  await second?.close();
  await payment?.close();
  await sandbox?.close();
  await cluster?.close();
});

const chargeBody = (): Record<string, unknown> => ({
  orderId: randomUUID(),
  userId: randomUUID(),
  amountMinor: 4200,
  currency: 'EUR',
  paymentMethod: 'pm_card_visa',
});

function charge(body: Record<string, unknown>, key: string) {
  return payment.app.inject({
    method: 'POST',
    url: '/payments/charges',
    headers: { 'idempotency-key': key },
    payload: body,
  });
}
async function settled(paymentId: string): Promise<string | undefined> {
  const status = (await second.inject({ method: 'GET', url: `/payments/charges/${paymentId}` })).json()
    .status as string;
  return status === 'pending' ? undefined : status;
}
async function kinds(orderId: string): Promise<string[]> {
  return (await payment.app.inject({ method: 'GET', url: `/payments/ledger?orderId=${orderId}` }))
    .json()
    .entries.map((e: { kind: string }) => e.kind);
}

test('a charge whose answer was dropped is pending, then the reconciler settles it to succeeded, charged once', async () => {
  await sandbox.faults({ dropNext: 1 });
  const body = chargeBody();
  const key = `rec-${randomUUID()}`;
  const first = (await charge(body, key)).json();
  assert.equal(first.status, 'pending');
  assert.equal(await eventually(() => settled(first.paymentId), 'the reconciler'), 'succeeded');
  const provider = await sandbox.ledger();
  assert.equal(provider.intents.filter((i) => i.idempotency_key === `charge:${key}`).length, 1);
  assert.equal(provider.byOrder[body.orderId as string]!.net, 4200);
  assert.deepEqual(await kinds(body.orderId as string), ['attempt_started', 'outcome_unknown', 'reconciled_succeeded']);
  const { rows } = await payment.db.query('SELECT type FROM outbox WHERE key = $1', [body.orderId]);
  assert.deepEqual(rows, [{ type: 'payment.succeeded' }], 'one event, though two instances reconcile');
});

test('a provider slower than our timeout: pending while it still works, then succeeded once it commits', async () => {
  await sandbox.faults({ latencyMs: 2500 });
  const body = chargeBody();
  const key = `slow-${randomUUID()}`;
  let paymentId: string;
  try {
    const first = (await charge(body, key)).json();
    assert.equal(first.status, 'pending');
    paymentId = first.paymentId;
  } finally {
    // Reads are fast again; the charge itself is still being worked on inside the provider.
    await sandbox.faults({ latencyMs: 0 });
  }
  assert.equal(await eventually(() => settled(paymentId), 'the reconciler'), 'succeeded');
  assert.equal((await sandbox.ledger()).intents.filter((i) => i.idempotency_key === `charge:${key}`).length, 1);
});

test('provider down: pending; when it returns the reconciler finds nothing was charged and marks it failed', async () => {
  const port = sandbox.port;
  const store = sandbox.store;
  await sandbox.close();
  const body = chargeBody();
  const key = `down-${randomUUID()}`;
  let paymentId: string;
  try {
    const first = (await charge(body, key)).json();
    assert.equal(first.status, 'pending');
    paymentId = first.paymentId;
  } finally {
    sandbox = await startSandbox({ port, store });
  }
  assert.equal(await eventually(() => settled(paymentId), 'the reconciler'), 'failed');
  assert.equal((await sandbox.ledger()).byOrder[body.orderId as string], undefined);
  assert.deepEqual(await kinds(body.orderId as string), ['attempt_started', 'outcome_unknown', 'reconciled_not_found']);
  const { rows } = await payment.db.query('SELECT type FROM outbox WHERE key = $1', [body.orderId]);
  assert.deepEqual(rows, [{ type: 'payment.failed' }]);
});

test('a refund whose answer came too late is pending, then reconciled to succeeded, refunded once', async () => {
  const body = chargeBody();
  const paymentId = (await charge(body, `r-${randomUUID()}`)).json().paymentId as string;
  const key = `refund-${randomUUID()}`;
  await sandbox.faults({ latencyMs: 2500 });
  let refund: { refundId: string; status: string };
  try {
    refund = (
      await payment.app.inject({
        method: 'POST',
        url: `/payments/charges/${paymentId}/refunds`,
        headers: { 'idempotency-key': key },
        payload: { amountMinor: 1000 },
      })
    ).json();
    assert.equal(refund.status, 'pending');
  } finally {
    await sandbox.faults({ latencyMs: 0 });
  }
  await eventually(async () => {
    const { rows } = await payment.db.query<{ status: string }>('SELECT status FROM refunds WHERE id = $1', [
      refund.refundId,
    ]);
    return rows[0]!.status === 'pending' ? undefined : rows[0]!.status;
  }, 'the refund to settle');
  const again = (
    await payment.app.inject({
      method: 'POST',
      url: `/payments/charges/${paymentId}/refunds`,
      headers: { 'idempotency-key': key },
      payload: { amountMinor: 1000 },
    })
  ).json();
  assert.equal(again.status, 'succeeded');
  const provider = await sandbox.ledger();
  assert.equal(provider.refunds.filter((r) => r.idempotency_key === `refund:${key}`).length, 1);
  assert.equal(provider.byOrder[body.orderId as string]!.net, 3200);
  assert.deepEqual((await kinds(body.orderId as string)).slice(2), [
    'refund_started',
    'refund_outcome_unknown',
    'refund_reconciled_succeeded',
  ]);
});
