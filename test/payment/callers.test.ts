// The real payment app over mTLS: only the order service's identity may move
// money. Other mesh identities (gateway, product) get 403 on charge and refund.
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMeshClient, type MeshClient } from '@shop/mesh';
import { createCertificateAuthority, type PemBundle } from '@shop/mesh/pki';
import { configSpec, createApp } from '@shop/payment-service';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startServiceForTest } from '../support/service.ts';
import { startSandbox, type PaymentService, type RunningSandbox } from './support.ts';

let cluster: TestCluster;
let sandbox: RunningSandbox;
let payment: PaymentService;
const clients = new Map<string, MeshClient>();

before(async () => {
  const { ca } = await createCertificateAuthority();
  const certs: Record<string, PemBundle> = {};
  for (const identity of ['payment', 'order', 'gateway', 'product']) certs[identity] = await ca.issue(identity);
  cluster = await startEmbeddedCluster('payment-callers');
  sandbox = await startSandbox();
  payment = await startServiceForTest({
    service: 'payment',
    adminUrl: cluster.adminUrl,
    configSpec,
    env: { PAYMENT_PROVIDER_URL: sandbox.url, PROVIDER_TIMEOUT_MS: '2000' },
    createApp: (config, deps) => createApp(config, { ...deps, tls: certs.payment }, { reconciler: false }),
    listen: true,
  });
  const address = payment.app.server.address();
  const url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  for (const caller of ['order', 'gateway', 'product']) {
    clients.set(
      caller,
      createMeshClient({
        service: 'payment',
        caller,
        instances: [url],
        tls: certs[caller],
        policy: { maxAttempts: 1 },
      }),
    );
  }
});

after(async () => {
  await Promise.all([...clients.values()].map((c) => c.close()));
  await payment?.close();
  await sandbox?.close();
  await cluster?.close();
});

const chargeBody = () => ({
  orderId: randomUUID(),
  userId: randomUUID(),
  amountMinor: 1500,
  currency: 'USD',
  paymentMethod: 'pm_card_visa',
});

async function charge(caller: string) {
  const body = chargeBody();
  const response = await clients.get(caller)!.request<{ paymentId: string; status: string; code?: string }>({
    method: 'POST',
    path: '/payments/charges',
    body,
    headers: { 'idempotency-key': `callers-${randomUUID()}` },
  });
  return { ...response, orderId: body.orderId };
}

function refund(caller: string, paymentId: string) {
  return clients.get(caller)!.request<{ status: string; code?: string }>({
    method: 'POST',
    path: `/payments/charges/${paymentId}/refunds`,
    body: {},
    headers: { 'idempotency-key': `callers-${randomUUID()}` },
  });
}

test('the order service may charge and refund', async () => {
  const charged = await charge('order');
  assert.equal(charged.status, 201);
  assert.equal(charged.body.status, 'succeeded');
  const refunded = await refund('order', charged.body.paymentId);
  assert.equal(refunded.status, 201);
});

for (const caller of ['gateway', 'product']) {
  test(`the ${caller} identity is refused with 403 on charge and refund`, async () => {
    const charged = await charge(caller);
    assert.equal(charged.status, 403);
    assert.equal(charged.body.code, 'FORBIDDEN');
    assert.equal((await sandbox.ledger()).byOrder[charged.orderId], undefined, 'nothing was charged');
    const paid = await charge('order');
    assert.equal(paid.status, 201);
    const refunded = await refund(caller, paid.body.paymentId);
    assert.equal(refunded.status, 403);
    assert.equal(refunded.body.code, 'FORBIDDEN');
    assert.equal((await sandbox.ledger()).byOrder[paid.orderId]?.refunded, 0, 'nothing was refunded');
  });
}
