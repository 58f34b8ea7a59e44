// Log-in, refresh rotation, reuse detection and log-out on a real PostgreSQL;
// the session (sid) in access tokens and the event when a session ends.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { bearer, logIn, PASSWORD, refresh, signUp, startUserService, type UserService } from './harness.ts';

let cluster: TestCluster;
let user: UserService;

before(async () => {
  cluster = await startEmbeddedCluster('user-sessions');
  user = await startUserService(cluster);
});
after(async () => {
  await user.close();
  await cluster.close();
});

test('log-in with the right password returns a Bearer pair with a 15-minute access token', async () => {
  await signUp(user.app, 'login@example.com');
  const response = await user.app.inject({
    method: 'POST',
    url: '/users/sessions',
    payload: { email: ' Login@Example.com', password: PASSWORD },
  });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['cache-control'], 'no-store');
  const body = response.json();
  assert.equal(body.tokenType, 'Bearer');
  assert.equal(body.expiresIn, 900);
  assert.match(body.refreshToken, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(body.accessToken.split('.').length, 3);
});

test('an unknown email and a wrong password get the same 401 answer', async () => {
  await signUp(user.app, 'known@example.com');
  const wrong = await user.app.inject({
    method: 'POST',
    url: '/users/sessions',
    payload: { email: 'known@example.com', password: 'not the password at all' },
  });
  const unknown = await user.app.inject({
    method: 'POST',
    url: '/users/sessions',
    payload: { email: 'nobody@example.com', password: 'not the password at all' },
  });
  for (const response of [wrong, unknown]) {
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  }
  const strip = (b: Record<string, unknown>): Record<string, unknown> => ({ ...b, requestId: undefined });
  assert.deepEqual(strip(wrong.json()), strip(unknown.json()));
  assert.equal(wrong.json().code, 'UNAUTHENTICATED');
});

test('a refresh spends the token and returns a new pair in the same session', async () => {
  await signUp(user.app, 'rotate@example.com');
  const first = await logIn(user.app, 'rotate@example.com');
  const response = await refresh(user.app, first.refreshToken);
  assert.equal(response.statusCode, 200);
  const second = response.json();
  assert.notEqual(second.refreshToken, first.refreshToken);
  const me = await user.app.inject({ method: 'GET', url: '/users/me', headers: bearer(second.accessToken) });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().email, 'rotate@example.com');
  const third = await refresh(user.app, second.refreshToken);
  assert.equal(third.statusCode, 200);
});

test('reusing a spent refresh token is refused and ends the whole family, the newer sibling too', async () => {
  await signUp(user.app, 'reuse@example.com');
  const first = await logIn(user.app, 'reuse@example.com');
  const second = (await refresh(user.app, first.refreshToken)).json();
  const replay = await refresh(user.app, first.refreshToken);
  assert.equal(replay.statusCode, 401);
  assert.equal(replay.json().code, 'UNAUTHENTICATED');
  const sibling = await refresh(user.app, second.refreshToken);
  assert.equal(sibling.statusCode, 401);
  // Another session of the same user is not affected.
  const other = await logIn(user.app, 'reuse@example.com');
  assert.equal((await refresh(user.app, other.refreshToken)).statusCode, 200);
});

test('two concurrent refreshes of one token: exactly one succeeds', async () => {
  await signUp(user.app, 'race@example.com');
  for (let round = 0; round < 3; round++) {
    const pair = await logIn(user.app, 'race@example.com');
    const results = await Promise.all([refresh(user.app, pair.refreshToken), refresh(user.app, pair.refreshToken)]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401], `round ${round}`);
    // The loser's attempt is indistinguishable from theft: the family is ended.
    const winner = results.find((r) => r.statusCode === 200)!.json();
    assert.equal((await refresh(user.app, winner.refreshToken)).statusCode, 401);
  }
  const { rows } = await user.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'race@example.com' AND t.used_at IS NOT NULL",
  );
  assert.equal(rows[0]!.n, 3, 'each original token was spent exactly once');
});

test('unknown and malformed refresh tokens: 401 and 400', async () => {
  assert.equal((await refresh(user.app, 'A'.repeat(43))).statusCode, 401);
  const malformed = await refresh(user.app, 'not a token');
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().errors[0].field, 'body/refreshToken');
});

test('log-out ends the session: its refresh token stops working; log-out is idempotent', async () => {
  await signUp(user.app, 'logout@example.com');
  const pair = await logIn(user.app, 'logout@example.com');
  const response = await user.app.inject({
    method: 'DELETE',
    url: '/users/sessions/current',
    payload: { refreshToken: pair.refreshToken },
  });
  assert.equal(response.statusCode, 204);
  assert.equal((await refresh(user.app, pair.refreshToken)).statusCode, 401);
  const again = await user.app.inject({
    method: 'POST',
    url: '/users/sessions/logout',
    payload: { refreshToken: pair.refreshToken },
  });
  assert.equal(again.statusCode, 204);
});

test('refresh tokens are stored only as hashes', async () => {
  await signUp(user.app, 'hashed@example.com');
  const pair = await logIn(user.app, 'hashed@example.com');
  const { rows } = await user.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%' OR encode(token_hash, 'base64') = $1",
    [pair.refreshToken],
  );
  assert.equal(rows[0]!.n, 0);
  const { rows: hashed } = await user.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM refresh_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
    [pair.refreshToken],
  );
  assert.equal(hashed[0]!.n, 1);
});

interface Claims {
  sub: string;
  sid?: string;
}

async function revocationsOf(
  userId: string,
): Promise<Array<{ topic: string; type: string; key: string; payload: unknown; correlationId: unknown }>> {
  const { rows } = await user.db.query<{
    topic: string;
    type: string;
    key: string;
    envelope: { payload: unknown; correlationId: unknown };
  }>(
    "SELECT topic, type, key, envelope FROM outbox WHERE type = 'user.session_revoked' AND key = $1 ORDER BY created_at, id",
    [userId],
  );
  return rows.map((r) => ({
    topic: r.topic,
    type: r.type,
    key: r.key,
    payload: r.envelope.payload,
    correlationId: r.envelope.correlationId,
  }));
}

test('an access token names its session in sid: the refresh-token family, the same after a refresh, another for another login', async () => {
  await signUp(user.app, 'sid@example.com');
  const first = await logIn(user.app, 'sid@example.com');
  const claims = decodeJwt(first.accessToken) as unknown as Claims;
  const { rows } = await user.db.query<{ family_id: string }>(
    "SELECT family_id FROM refresh_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
    [first.refreshToken],
  );
  assert.equal(claims.sid, rows[0]!.family_id);
  const refreshed = (await refresh(user.app, first.refreshToken)).json();
  assert.equal((decodeJwt(refreshed.accessToken) as unknown as Claims).sid, claims.sid);
  const other = await logIn(user.app, 'sid@example.com');
  assert.notEqual((decodeJwt(other.accessToken) as unknown as Claims).sid, claims.sid);
});

test('log-out records user.session_revoked { userId, sessionId } keyed by the user, once however often it is repeated', async () => {
  await signUp(user.app, 'ended@example.com');
  const pair = await logIn(user.app, 'ended@example.com');
  const { sub, sid } = decodeJwt(pair.accessToken) as unknown as Claims;
  const out = await user.app.inject({
    method: 'DELETE',
    url: '/users/sessions/current',
    headers: { 'x-request-id': 'corr-logout-1' },
    payload: { refreshToken: pair.refreshToken },
  });
  assert.equal(out.statusCode, 204);
  await user.app.inject({
    method: 'POST',
    url: '/users/sessions/logout',
    payload: { refreshToken: pair.refreshToken },
  });
  assert.deepEqual(await revocationsOf(sub), [
    {
      topic: 'user',
      type: 'user.session_revoked',
      key: sub,
      payload: { userId: sub, sessionId: sid },
      correlationId: 'corr-logout-1',
    },
  ]);
});

test('reuse of a spent refresh token records user.session_revoked for the session it ended', async () => {
  await signUp(user.app, 'stolen@example.com');
  const pair = await logIn(user.app, 'stolen@example.com');
  const { sub, sid } = decodeJwt(pair.accessToken) as unknown as Claims;
  assert.equal((await refresh(user.app, pair.refreshToken)).statusCode, 200);
  assert.deepEqual(await revocationsOf(sub), [], 'a refresh ends no session');
  assert.equal((await refresh(user.app, pair.refreshToken)).statusCode, 401);
  assert.deepEqual(
    (await revocationsOf(sub)).map((e) => e.payload),
    [{ userId: sub, sessionId: sid }],
  );
  assert.equal((await refresh(user.app, pair.refreshToken)).statusCode, 401);
  assert.equal((await revocationsOf(sub)).length, 1, 'an ended session is not ended again');
});
