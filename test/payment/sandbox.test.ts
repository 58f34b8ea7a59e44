// The provider sandbox alone: Stripe's idempotency semantics, test cards, refunds and fault knobs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { createSandbox } from '@shop/payment-sandbox';
import type { ServiceApp } from '@shop/platform';

let sandbox: ServiceApp;
let counter = 0;
const key = (): string => `sandbox-test-${process.pid}-${++counter}`;
const intent = (paymentMethod = 'pm_card_visa', amount = 1000, orderId = 'order-shared'): Record<string, unknown> => ({
  amount,
  currency: 'usd',
  payment_method: paymentMethod,
  capture: true,
  metadata: { orderId },
});

before(async () => {
  sandbox = createSandbox();
  await sandbox.ready();
});
after(() => sandbox.close());

async function post(url: string, body: unknown, idempotencyKey?: string) {
  return sandbox.inject({
    method: 'POST',
    url,
    payload: body as Record<string, unknown>,
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  });
}

test('a visa charge succeeds, and the same key with the same params replays the stored response', async () => {
  const k = key();
  const first = await post('/v1/payment_intents', intent(), k);
  assert.equal(first.statusCode, 200);
  const body = first.json();
  assert.match(body.id, /^pi_/);
  assert.equal(body.status, 'succeeded');
  assert.equal(body.object, 'payment_intent');
  const again = await post('/v1/payment_intents', intent(), k);
  assert.equal(again.statusCode, 200);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.json().id, body.id);
  const ledger = (await sandbox.inject({ method: 'GET', url: '/_sandbox/ledger' })).json();
  assert.equal(ledger.intents.filter((i: { idempotency_key: string }) => i.idempotency_key === k).length, 1);
});

test('the same key with different params is a 400 idempotency_error, and nothing is charged', async () => {
  const k = key();
  assert.equal((await post('/v1/payment_intents', intent('pm_card_visa', 1000), k)).statusCode, 200);
  const other = await post('/v1/payment_intents', intent('pm_card_visa', 2000), k);
  assert.equal(other.statusCode, 400);
  assert.equal(other.json().error.type, 'idempotency_error');
});

test('a charge without an Idempotency-Key is refused', async () => {
  const response = await post('/v1/payment_intents', intent());
  assert.equal(response.statusCode, 400);
  assert.equal(response.json().error.code, 'idempotency_key_required');
});

test('declines are 402 card_error with a decline code; a processing error is a 500 that charges nothing', async () => {
  const declined = await post('/v1/payment_intents', intent('pm_card_chargeDeclined'), key());
  assert.equal(declined.statusCode, 402);
  assert.equal(declined.json().error.code, 'card_declined');
  assert.equal(declined.json().error.decline_code, 'generic_decline');
  const insufficient = await post('/v1/payment_intents', intent('pm_card_chargeDeclinedInsufficientFunds'), key());
  assert.equal(insufficient.json().error.decline_code, 'insufficient_funds');
  const k = key();
  const failed = await post('/v1/payment_intents', intent('pm_card_processingError'), k);
  assert.equal(failed.statusCode, 500);
  assert.equal(failed.json().error.type, 'api_error');
  const found = (await sandbox.inject({ method: 'GET', url: `/v1/payment_intents?idempotency_key=${k}` })).json();
  assert.deepEqual(found.data, []);
});

test('concurrent requests with one key: one executes, the others get 409 while it is in flight', async () => {
  await post('/_sandbox/faults', { latencyMs: 100 });
  try {
    const k = key();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('/v1/payment_intents', intent(), k)));
    const statuses = answers.map((a) => a.statusCode).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409]);
    assert.equal(answers.find((a) => a.statusCode === 409)!.json().error.type, 'idempotency_error');
  } finally {
    await post('/_sandbox/faults', { latencyMs: 0 });
  }
});

test('look-up by idempotency key finds the intent, and a read of its id returns it', async () => {
  const k = key();
  const created = (await post('/v1/payment_intents', intent(), k)).json();
  const list = (
    await sandbox.inject({ method: 'GET', url: `/v1/payment_intents?idempotency_key=${encodeURIComponent(k)}` })
  ).json();
  assert.equal(list.data.length, 1);
  assert.equal(list.data[0].id, created.id);
  const read = await sandbox.inject({ method: 'GET', url: `/v1/payment_intents/${created.id}` });
  assert.equal(read.json().amount, 1000);
  assert.equal((await sandbox.inject({ method: 'GET', url: '/v1/payment_intents/pi_missing' })).statusCode, 404);
});

test('refunds: partial, idempotent, and never more than was captured', async () => {
  const orderId = randomUUID();
  const pi = (await post('/v1/payment_intents', intent('pm_card_visa', 1000, orderId), key())).json().id;
  const rk = key();
  const partial = await post('/v1/refunds', { payment_intent: pi, amount: 400 }, rk);
  assert.equal(partial.statusCode, 200);
  assert.match(partial.json().id, /^re_/);
  assert.equal(
    (await post('/v1/refunds', { payment_intent: pi, amount: 400 }, rk)).headers['idempotent-replayed'],
    'true',
  );
  const over = await post('/v1/refunds', { payment_intent: pi, amount: 601 }, key());
  assert.equal(over.statusCode, 400);
  assert.equal(over.json().error.code, 'amount_too_large');
  const rest = await post('/v1/refunds', { payment_intent: pi }, key());
  assert.equal(rest.json().amount, 600);
  const ledger = (await sandbox.inject({ method: 'GET', url: '/_sandbox/ledger' })).json();
  assert.deepEqual(ledger.byOrder[orderId], { charged: 1000, refunded: 1000, net: 0, succeededIntents: 1 });
});

test('faults: errorRate 1 answers 500 and charges nothing; the key stays usable', async () => {
  const k = key();
  await post('/_sandbox/faults', { errorRate: 1 });
  try {
    const failed = await post('/v1/payment_intents', intent(), k);
    assert.equal(failed.statusCode, 500);
  } finally {
    await post('/_sandbox/faults', { errorRate: 0 });
  }
  const faults = (await sandbox.inject({ method: 'GET', url: '/_sandbox/faults' })).json();
  assert.deepEqual(faults, { latencyMs: 0, errorRate: 0, dropRate: 0, dropNext: 0 });
  const retried = await post('/v1/payment_intents', intent(), k);
  assert.equal(retried.statusCode, 200);
  assert.equal(retried.headers['idempotent-replayed'], undefined);
});

test('dropNext: the charge is committed, the connection is destroyed, and a retry replays it', async () => {
  await sandbox.listen({ host: '127.0.0.1', port: 0 });
  const address = sandbox.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const k = key();
  await post('/_sandbox/faults', { dropNext: 1 });
  const send = () =>
    request(`${url}/v1/payment_intents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': k },
      body: JSON.stringify(intent()),
    });
  await assert.rejects(send());
  const list = (await sandbox.inject({ method: 'GET', url: `/v1/payment_intents?idempotency_key=${k}` })).json();
  assert.equal(list.data.length, 1, 'the dropped charge was committed');
  const retry = await send();
  assert.equal(retry.statusCode, 200);
  assert.equal(retry.headers['idempotent-replayed'], 'true');
  assert.equal(((await retry.body.json()) as { id: string }).id, list.data[0].id);
});

test('the fault knobs refuse nonsense', async () => {
  const response = await post('/_sandbox/faults', { errorRate: 2 });
  assert.equal(response.statusCode, 400);
});
