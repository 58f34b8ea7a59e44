// Sign-up on a real PostgreSQL: one account per email, and its user.registered
// event written in the same transaction as the account.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { signUp, startUserService, type UserService } from './harness.ts';

let cluster: TestCluster;
let user: UserService;

before(async () => {
  cluster = await startEmbeddedCluster('user');
  // ADMIN_EMAILS as operators had it set: it no longer makes anyone an administrator.
  user = await startUserService(cluster, { env: { ADMIN_EMAILS: 'Boss@Shop.io' } });
});
after(async () => {
  await user.close();
  await cluster.close();
});

async function count(table: string): Promise<number> {
  const { rows } = await user.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

test('sign-up stores one account per normalised email', async () => {
  const first = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'Grace@Example.com', password: 'a long enough secret', name: 'Grace' },
  });
  assert.equal(first.statusCode, 201);
  assert.equal(first.json().role, 'customer');
  const again = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'grace@example.com ', password: 'another long secret', name: 'G' },
  });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'CONFLICT');
  const { rows } = await user.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM users WHERE email = 'grace@example.com'",
  );
  assert.equal(rows[0]!.n, 1);
});

test('no email signs up as admin, not even one an old ADMIN_EMAILS still lists: whoever signed up first would own the shop', async () => {
  const first = await signUp(user.app, 'boss@shop.io');
  assert.equal(first.role, 'customer');
  const { rows } = await user.db.query<{ role: string }>("SELECT role FROM users WHERE email = 'boss@shop.io'");
  assert.deepEqual(rows, [{ role: 'customer' }]);
});

test('sign-up writes exactly one user.registered outbox row carrying the envelope', async () => {
  const response = await user.app.inject({
    method: 'POST',
    url: '/users',
    headers: { 'x-request-id': 'corr-signup-1' },
    payload: { email: 'ada@example.com', password: 'analytical engine', name: 'Ada' },
  });
  assert.equal(response.statusCode, 201);
  const id = response.json().id as string;
  const { rows } = await user.db.query<{
    topic: string;
    type: string;
    version: number;
    key: string;
    envelope: Record<string, unknown>;
    published_at: Date | null;
  }>('SELECT topic, type, version, key, envelope, published_at FROM outbox WHERE key = $1', [id]);
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.deepEqual([row.topic, row.type, row.version, row.published_at], ['user', 'user.registered', 1, null]);
  const envelope = row.envelope;
  assert.match(String(envelope.id), /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    {
      type: envelope.type,
      version: envelope.version,
      key: envelope.key,
      aggregateId: envelope.aggregateId,
      producer: envelope.producer,
      correlationId: envelope.correlationId,
      payload: envelope.payload,
    },
    {
      type: 'user.registered',
      version: 1,
      key: id,
      aggregateId: id,
      producer: 'user-service',
      correlationId: 'corr-signup-1',
      payload: { userId: id, email: 'ada@example.com', name: 'Ada' },
    },
  );
  assert.ok(!Number.isNaN(Date.parse(String(envelope.occurredAt))));
});

test('a refused sign-up (taken email, bad password) writes no outbox row', async () => {
  await signUp(user.app, 'taken@example.com');
  const before = await count('outbox');
  const taken = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'taken@example.com', password: 'some other secret', name: 'T' },
  });
  assert.equal(taken.statusCode, 409);
  const weak = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'weak@example.com', password: 'short', name: 'W' },
  });
  assert.equal(weak.statusCode, 400);
  assert.equal(await count('outbox'), before);
});

test('the user row and its event commit together: when the outbox write fails, no user is created', async () => {
  const users = await count('users');
  await user.db.query('ALTER TABLE outbox RENAME TO outbox_away');
  try {
    const response = await user.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'atomic@example.com', password: 'all or nothing please', name: 'A' },
    });
    assert.equal(response.statusCode, 500);
  } finally {
    await user.db.query('ALTER TABLE outbox_away RENAME TO outbox');
  }
  assert.equal(await count('users'), users);
  const retry = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'atomic@example.com', password: 'all or nothing please', name: 'A' },
  });
  assert.equal(retry.statusCode, 201);
});

test('a sign-up retried with its Idempotency-Key replays the account; the key with another request is 422; another key is still 409', async () => {
  const body = { email: 'Retry@Example.com', password: 'a long enough secret', name: 'Ret Ry' };
  const key = { 'idempotency-key': 'signup-3c6f1c2e' };
  const events = await count('outbox');
  const first = await user.app.inject({ method: 'POST', url: '/users', headers: key, payload: body });
  assert.equal(first.statusCode, 201);
  const again = await user.app.inject({
    method: 'POST',
    url: '/users',
    headers: key,
    payload: { ...body, email: ' retry@example.com' },
  });
  assert.equal(again.statusCode, 201, again.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.json().id, first.json().id);
  assert.equal(await count('outbox'), events + 1, 'one user.registered, not two');

  const otherName = await user.app.inject({
    method: 'POST',
    url: '/users',
    headers: key,
    payload: { ...body, name: 'Someone Else' },
  });
  assert.equal(otherName.statusCode, 422);
  assert.equal(otherName.json().code, 'IDEMPOTENCY_KEY_REUSED');
  const otherPassword = await user.app.inject({
    method: 'POST',
    url: '/users',
    headers: key,
    payload: { ...body, password: 'not the same secret at all' },
  });
  assert.equal(otherPassword.statusCode, 422);
  const otherKey = await user.app.inject({
    method: 'POST',
    url: '/users',
    headers: { 'idempotency-key': 'signup-another' },
    payload: body,
  });
  assert.equal(otherKey.statusCode, 409);
  const noKey = await user.app.inject({ method: 'POST', url: '/users', payload: body });
  assert.equal(noKey.statusCode, 409);
  const { rows } = await user.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM users WHERE email = 'retry@example.com'",
  );
  assert.equal(rows[0]!.n, 1);
});

test('the same keyed sign-up sent five times at once: one account, five answers with it', async () => {
  const body = { email: 'burst@example.com', password: 'a long enough secret', name: 'Burst' };
  const answers = await Promise.all(
    Array.from({ length: 5 }, () =>
      user.app.inject({ method: 'POST', url: '/users', headers: { 'idempotency-key': 'signup-burst' }, payload: body }),
    ),
  );
  assert.deepEqual(
    answers.map((a) => a.statusCode),
    [201, 201, 201, 201, 201],
    answers.map((a) => a.body).join('\n'),
  );
  assert.equal(new Set(answers.map((a) => a.json().id)).size, 1);
});
