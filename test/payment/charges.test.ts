// The payment service on a real PostgreSQL against the provider sandbox on a real port.
// The background reconciler is off here: repeats settle by hand (reconcile.test.ts covers the loop).
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startPayment, startSandbox, type PaymentService, type RunningSandbox } from './support.ts';

let cluster: TestCluster;
let sandbox: RunningSandbox;
let payment: PaymentService;

before(async () => {
  cluster = await startEmbeddedCluster('payment');
  sandbox = await startSandbox();
  payment = await startPayment(
    cluster.adminUrl,
    sandbox.url,
    { PROVIDER_TIMEOUT_MS: '2000', RECONCILE_AFTER_MS: '0' },
    { reconciler: false },
  );
});
after(async () => {
  await payment?.close();
  await sandbox?.close();
  await cluster?.close();
});

const newKey = (): string => `test-${randomUUID()}`;
const chargeBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  orderId: randomUUID(),
  userId: randomUUID(),
  amountMinor: 2599,
  currency: 'USD',
  paymentMethod: 'pm_card_visa',
  ...overrides,
});

function charge(body: Record<string, unknown>, key: string) {
  return payment.app.inject({
    method: 'POST',
    url: '/payments/charges',
    headers: { 'idempotency-key': key },
    payload: body,
  });
}
function refund(paymentId: string, body: Record<string, unknown>, key: string) {
  return payment.app.inject({
    method: 'POST',
    url: `/payments/charges/${paymentId}/refunds`,
    headers: { 'idempotency-key': key },
    payload: body,
  });
}
async function ledgerKinds(orderId: string): Promise<string[]> {
  const response = await payment.app.inject({ method: 'GET', url: `/payments/ledger?orderId=${orderId}` });
  return response.json().entries.map((e: { kind: string }) => e.kind);
}
async function providerIntents(key: string): Promise<number> {
  return (await sandbox.ledger()).intents.filter((i) => i.idempotency_key === `charge:${key}`).length;
}

test('a successful charge: 201 succeeded, one provider intent, ledger lines and a payment.succeeded event', async () => {
  const body = chargeBody();
  const key = newKey();
  const response = await charge(body, key);
  assert.equal(response.statusCode, 201);
  const created = response.json();
  assert.deepEqual(
    { ...created, paymentId: undefined },
    { paymentId: undefined, orderId: body.orderId, status: 'succeeded', amountMinor: 2599, currency: 'USD' },
  );
  assert.equal(await providerIntents(key), 1);
  const provider = await sandbox.ledger();
  assert.equal(provider.byOrder[body.orderId as string]!.net, 2599);

  const read = await payment.app.inject({ method: 'GET', url: `/payments/charges/${created.paymentId}` });
  assert.equal(read.statusCode, 200);
  assert.equal(read.json().status, 'succeeded');
  assert.equal(read.json().refundedMinor, 0);

  assert.deepEqual(await ledgerKinds(body.orderId as string), ['attempt_started', 'provider_succeeded']);
  const ledger = (
    await payment.app.inject({ method: 'GET', url: `/payments/ledger?orderId=${body.orderId as string}` })
  ).json();
  assert.deepEqual(ledger.totals, { chargedMinor: 2599, refundedMinor: 0, netMinor: 2599 });

  const { rows } = await payment.db.query<{ topic: string; type: string; key: string; envelope: Record<string, any> }>(
    'SELECT topic, type, key, envelope FROM outbox WHERE key = $1',
    [body.orderId],
  );
  assert.equal(rows.length, 1);
  const event = rows[0]!;
  assert.equal(event.topic, 'payment');
  assert.equal(event.type, 'payment.succeeded');
  assert.equal(event.envelope.producer, 'payment-service');
  assert.equal(event.envelope.aggregateId, created.paymentId);
  assert.equal(event.envelope.version, 1);
  assert.equal(event.envelope.payload.amountMinor, 2599);
  assert.equal(typeof event.envelope.correlationId, 'string');
});

test('a declined card: 201 declined with the decline code, nothing charged', async () => {
  const body = chargeBody({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' });
  const response = await charge(body, newKey());
  assert.equal(response.statusCode, 201);
  assert.equal(response.json().status, 'declined');
  assert.equal(response.json().declineCode, 'insufficient_funds');
  assert.equal((await sandbox.ledger()).byOrder[body.orderId as string], undefined);
  assert.deepEqual(await ledgerKinds(body.orderId as string), ['attempt_started', 'provider_declined']);
  const { rows } = await payment.db.query('SELECT type FROM outbox WHERE key = $1', [body.orderId]);
  assert.deepEqual(rows, [{ type: 'payment.declined' }]);
});

test('a provider processing error: failed, and nothing charged', async () => {
  const body = chargeBody({ paymentMethod: 'pm_card_processingError' });
  const response = await charge(body, newKey());
  assert.equal(response.statusCode, 201);
  assert.equal(response.json().status, 'failed');
  assert.equal((await sandbox.ledger()).byOrder[body.orderId as string], undefined);
  assert.deepEqual(await ledgerKinds(body.orderId as string), ['attempt_started', 'provider_error']);
});

test('the same charge sent 20 times at once with one key: one payment, exactly one provider intent', async () => {
  await sandbox.faults({ latencyMs: 200 });
  const body = chargeBody();
  const key = newKey();
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, () => charge(body, key)));
    const created = answers.filter((a) => a.statusCode === 201);
    assert.equal(created.length, 1, 'exactly one request created the payment');
    for (const answer of answers) {
      if (answer.statusCode === 409) assert.equal(answer.json().code, 'REQUEST_IN_PROGRESS');
      else {
        assert.ok(
          answer.statusCode === 200 || answer.statusCode === 201,
          `unexpected ${answer.statusCode}: ${answer.body}`,
        );
        assert.equal(answer.json().paymentId, created[0]!.json().paymentId);
      }
    }
  } finally {
    await sandbox.faults({ latencyMs: 0 });
  }
  const again = await charge(body, key);
  assert.equal(again.statusCode, 200);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.json().status, 'succeeded');
  assert.equal(await providerIntents(key), 1);
  const { rows } = await payment.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
    [body.orderId],
  );
  assert.equal(rows[0]!.n, 1);
});

test('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
  const key = newKey();
  const body = chargeBody();
  assert.equal((await charge(body, key)).statusCode, 201);
  const other = await charge({ ...body, amountMinor: 1 }, key);
  assert.equal(other.statusCode, 422);
  assert.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED');
  assert.equal(await providerIntents(key), 1);
});

test('charged but the answer was lost: pending, then a repeat with the same key settles it without charging again', async () => {
  await sandbox.faults({ dropNext: 1 });
  const body = chargeBody();
  const key = newKey();
  const first = await charge(body, key);
  assert.equal(first.statusCode, 201);
  assert.equal(first.json().status, 'pending');
  assert.equal(await providerIntents(key), 1, 'the provider did charge');
  const repeat = await charge(body, key);
  assert.equal(repeat.statusCode, 200);
  assert.equal(repeat.json().status, 'succeeded');
  assert.equal(repeat.json().paymentId, first.json().paymentId);
  assert.equal(await providerIntents(key), 1, 'and only once');
  assert.deepEqual(await ledgerKinds(body.orderId as string), [
    'attempt_started',
    'outcome_unknown',
    'reconciled_succeeded',
  ]);
  const { rows } = await payment.db.query('SELECT type FROM outbox WHERE key = $1', [body.orderId]);
  assert.deepEqual(rows, [{ type: 'payment.succeeded' }]);
});

test('a request that crashed mid-flight: its key is 409 while the lease lives, then the next repeat settles it', async () => {
  const body = chargeBody();
  const key = newKey();
  const id = randomUUID();
  // As left by an instance killed after committing the pending row and before calling the provider.
  await payment.db.query(
    `INSERT INTO payments (id, order_id, user_id, idempotency_key, request_fingerprint, amount_minor, currency, payment_method, status, correlation_id, locked_until, created_at)
     SELECT $1, $2, $3, $4, request_fingerprint, $5, 'USD', 'pm_card_visa', 'pending', 'crashed', now() + interval '1 hour', now() - interval '1 minute'
     FROM (SELECT encode(sha256(convert_to($6, 'UTF8')), 'hex') AS request_fingerprint) f`,
    [
      id,
      body.orderId,
      body.userId,
      key,
      body.amountMinor,
      JSON.stringify([body.orderId, body.userId, body.amountMinor, body.currency, body.paymentMethod]),
    ],
  );
  const blocked = await charge(body, key);
  assert.equal(blocked.statusCode, 409);
  assert.equal(blocked.json().code, 'REQUEST_IN_PROGRESS');
  await payment.db.query(`UPDATE payments SET locked_until = now() - interval '1 second' WHERE id = $1`, [id]);
  const settled = await charge(body, key);
  assert.equal(settled.statusCode, 200);
  assert.equal(settled.json().paymentId, id);
  assert.equal(settled.json().status, 'failed', 'the provider never saw it, so nothing was charged');
  assert.equal(await providerIntents(key), 0, 'and the repeat did not charge either');
});

test('refunds: partial then the rest, idempotent, over-refund refused, events and provider agree', async () => {
  const body = chargeBody({ amountMinor: 1000 });
  const paymentId = (await charge(body, newKey())).json().paymentId as string;
  const partialKey = newKey();
  const partial = await refund(paymentId, { amountMinor: 300 }, partialKey);
  assert.equal(partial.statusCode, 201);
  assert.deepEqual(
    { ...partial.json<Record<string, unknown>>(), refundId: undefined },
    { refundId: undefined, paymentId, status: 'succeeded', amountMinor: 300 },
  );
  const replay = await refund(paymentId, { amountMinor: 300 }, partialKey);
  assert.equal(replay.statusCode, 200);
  assert.equal(replay.json().refundId, partial.json().refundId);
  const reused = await refund(paymentId, { amountMinor: 301 }, partialKey);
  assert.equal(reused.statusCode, 422);
  assert.equal(reused.json().code, 'IDEMPOTENCY_KEY_REUSED');

  const over = await refund(paymentId, { amountMinor: 701 }, newKey());
  assert.equal(over.statusCode, 422);
  assert.equal(over.json().code, 'UNPROCESSABLE');
  const rest = await refund(paymentId, {}, newKey());
  assert.equal(rest.statusCode, 201);
  assert.equal(rest.json().amountMinor, 700);
  const nothingLeft = await refund(paymentId, {}, newKey());
  assert.equal(nothingLeft.statusCode, 409);

  const read = (await payment.app.inject({ method: 'GET', url: `/payments/charges/${paymentId}` })).json();
  assert.equal(read.refundedMinor, 1000);
  const provider = (await sandbox.ledger()).byOrder[body.orderId as string]!;
  assert.deepEqual(provider, { charged: 1000, refunded: 1000, net: 0, succeededIntents: 1 });
  const ledger = (
    await payment.app.inject({ method: 'GET', url: `/payments/ledger?orderId=${body.orderId as string}` })
  ).json();
  assert.deepEqual(ledger.totals, { chargedMinor: 1000, refundedMinor: 1000, netMinor: 0 });
  const { rows } = await payment.db.query<{ type: string }>(
    'SELECT type FROM outbox WHERE key = $1 ORDER BY created_at',
    [body.orderId],
  );
  assert.deepEqual(
    rows.map((r) => r.type),
    ['payment.succeeded', 'payment.refunded', 'payment.refunded'],
  );
});

test('a refund of a payment that did not succeed is 409; of an unknown payment 404', async () => {
  const declined = (await charge(chargeBody({ paymentMethod: 'pm_card_chargeDeclined' }), newKey())).json()
    .paymentId as string;
  const response = await refund(declined, {}, newKey());
  assert.equal(response.statusCode, 409);
  assert.equal(response.json().code, 'CONFLICT');
  assert.equal((await refund(randomUUID(), {}, newKey())).statusCode, 404);
});

test('ledger rows cannot be updated, deleted or truncated', async () => {
  const body = chargeBody();
  await charge(body, newKey());
  await assert.rejects(
    payment.db.query(`UPDATE ledger_entries SET amount_minor = 1 WHERE order_id = $1`, [body.orderId]),
    /append-only/,
  );
  await assert.rejects(
    payment.db.query(`DELETE FROM ledger_entries WHERE order_id = $1`, [body.orderId]),
    /append-only/,
  );
  await assert.rejects(payment.db.query('TRUNCATE ledger_entries CASCADE'), /append-only/);
  assert.equal((await ledgerKinds(body.orderId as string)).length, 2);
});

test('bad input is a 400 naming the field, never a 500', async () => {
  const noKey = await payment.app.inject({ method: 'POST', url: '/payments/charges', payload: chargeBody() });
  assert.equal(noKey.statusCode, 400);
  assert.equal(noKey.json().code, 'VALIDATION_FAILED');
  assert.equal((await charge(chargeBody(), 'short')).statusCode, 400);
  assert.equal((await charge(chargeBody(), 'has spaces in it')).statusCode, 400);
  const lower = await charge(chargeBody({ currency: 'usd' }), newKey());
  assert.equal(lower.statusCode, 400);
  assert.equal(lower.json().errors[0].field, 'body/currency');
  assert.equal((await payment.app.inject({ method: 'GET', url: '/payments/charges/not-a-uuid' })).statusCode, 400);
  assert.equal((await payment.app.inject({ method: 'GET', url: `/payments/charges/${randomUUID()}` })).statusCode, 404);
  assert.equal((await payment.app.inject({ method: 'GET', url: '/payments/ledger' })).statusCode, 400);
});

// Property: hostile bodies, keys and paths thrown at the write routes never
// produce a 5xx, every refusal is problem+json, and nothing changes, here or at the provider.
const VALID_KEY = /^[A-Za-z0-9_:.-]{8,200}$/;
const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\ud800',
  'a'.repeat(5000),
  '__proto__',
  "'; DROP TABLE payments; --",
  'usd',
  'USD\u0000',
  '00000000-0000-0000-0000-00000000000g',
  'pm_card_visa\n',
  -1,
  0,
  1.5,
  1e308,
  100_000_000,
  '1000',
  null,
  true,
  [],
  {},
);
const hostileValue = fc.oneof(nasty, fc.string(), fc.integer(), fc.double(), fc.jsonValue({ maxDepth: 2 }));
const validFor: Record<string, (v: unknown) => boolean> = {
  orderId: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  userId: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  amountMinor: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 99_999_999,
  currency: (v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v),
  paymentMethod: (v) => typeof v === 'string' && /^[A-Za-z0-9_]{1,100}$/.test(v),
};
const printable = fc.string({
  unit: fc.constantFrom(...'abcXYZ019_:.-/ ;,"\'!@#$%^&*()<>{}[]|\\~`'.split('')),
  maxLength: 250,
});
const badKey = fc.oneof(
  fc.constant(undefined),
  printable.filter((k) => !VALID_KEY.test(k)),
);
const anyKey = fc.oneof(badKey, fc.constant('hostile-key-0001'));

/** A charge body that is invalid for sure: one field hostile, missing or extra, or not a charge at all. */
const badChargeBody = fc.oneof(
  fc
    .tuple(fc.constantFrom(...Object.keys(validFor)), hostileValue)
    .filter(([field, v]) => !validFor[field]!(v))
    .map(([field, v]) => JSON.stringify({ ...chargeBody(), [field]: v })),
  fc.constantFrom(...Object.keys(validFor)).map((field) => JSON.stringify({ ...chargeBody(), [field]: undefined })),
  fc
    .tuple(fc.constantFrom('extra', 'status', 'paymentId', 'constructor'), hostileValue)
    .map(([field, v]) => JSON.stringify({ ...chargeBody(), [field]: v })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom(
    '{"__proto__":{"status":"succeeded"}}',
    `{"__proto__":{"x":1},"orderId":"${randomUUID()}"}`,
    '{',
    '[]',
    'null',
    '',
    '{"amountMinor":1,"amountMinor":2}',
  ),
);
const hostileCharge = fc.oneof(
  // A hostile body under any key...
  fc.record({ key: anyKey, payload: badChargeBody }),
  // ...or a valid body under a key that is not one.
  fc.record({ key: badKey, payload: fc.constant(null).map(() => JSON.stringify(chargeBody())) }),
);
const badAmount = hostileValue.filter((v) => v !== undefined && !validFor.amountMinor!(v));
const badRefundBody = fc.oneof(
  badAmount.map((v) => JSON.stringify({ amountMinor: v })),
  fc
    .tuple(fc.constantFrom('paymentId', 'status', 'extra'), hostileValue)
    .map(([field, v]) => JSON.stringify({ [field]: v })),
  fc
    .jsonValue({ maxDepth: 2 })
    .filter(
      (v) =>
        !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => k === 'amountMinor')),
    )
    .map((v) => JSON.stringify(v)),
  fc.constantFrom('{"__proto__":{"amountMinor":1}}', '{', ''),
);
const badPath = fc.oneof(
  printable.map((s) => encodeURIComponent(s)),
  fc.constantFrom('..%2F..%2Fledger', '%00', 'not-a-uuid', '00000000-0000-0000-0000-00000000000g'),
);

async function snapshot(): Promise<string> {
  const { rows } = await payment.db
    .query(`SELECT (SELECT count(*) FROM payments) AS p, (SELECT count(*) FROM refunds) AS r, (SELECT count(*) FROM ledger_entries) AS l,
    (SELECT count(*) FROM outbox) AS o, (SELECT coalesce(sum(refunded_minor), 0) FROM payments) AS refunded`);
  const provider = await sandbox.ledger();
  return JSON.stringify({ db: rows[0], intents: provider.intents.length, refunds: provider.refunds.length });
}

test('hostile bodies, keys and paths never cause a 5xx and change nothing', async () => {
  const target = (await charge(chargeBody(), newKey())).json().paymentId as string;
  const before = await snapshot();
  const refundRequest = fc.oneof(
    fc.record({ path: fc.constant(target), key: anyKey, payload: badRefundBody }),
    fc.record({ path: fc.constant(target), key: badKey, payload: fc.constantFrom('{}', '{"amountMinor":1}') }),
    fc.record({
      path: badPath,
      key: fc.oneof(anyKey, fc.constant('hostile-key-0002')),
      payload: fc.constantFrom('{}', '{"amountMinor":1}'),
    }),
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded') },
  );
  const hostile = fc.oneof(
    hostileCharge.map((r) => ({ ...r, url: '/payments/charges' })),
    refundRequest.map((r) => ({ key: r.key, payload: r.payload, url: `/payments/charges/${r.path}/refunds` })),
  );
  await fc.assert(
    fc.asyncProperty(hostile, contentType, async ({ key, payload, url }, type) => {
      const headers: Record<string, string> = { 'content-type': type };
      if (key !== undefined) headers['idempotency-key'] = key;
      const response = await payment.app.inject({ method: 'POST', url, headers, payload });
      assert.ok(
        response.statusCode >= 400 && response.statusCode < 500,
        `${response.statusCode} for ${url} ${String(key)} ${payload}: ${response.body}`,
      );
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
    }),
    { numRuns: 300 },
  );
  assert.equal(await snapshot(), before);
});
