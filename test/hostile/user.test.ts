// Hostile input at every user-service route, with hostile headers as well as
// bodies (hostileBodies.test.ts covers the bodies of four write routes): log-out
// both ways, the profile read, the JWKS, key rotation and the platform routes
// too. And Bob reaching for Alice's profile and session. Real PostgreSQL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JWKS_PATH } from '@shop/auth';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import {
  bearer,
  logIn,
  PASSWORD,
  refresh,
  signUp,
  startUserService,
  type Tokens,
  type UserService,
} from '../user/harness.ts';
import { assertNoHarm, assertWellRefused, hostileRequests, snapshotTables, type RouteSpec } from './support.ts';

let cluster: TestCluster;
let user: UserService;
let alice: { id: string; tokens: Tokens };
let bob: { id: string; tokens: Tokens };
let admin: Tokens;

before(async () => {
  cluster = await startEmbeddedCluster('hostile-user');
  user = await startUserService(cluster, {
    env: { ADMIN_EMAIL: 'boss@example.com', ADMIN_INITIAL_PASSWORD: PASSWORD },
  });
  alice = {
    id: (await signUp(user.app, 'alice@example.com', undefined, 'Alice')).id,
    tokens: await logIn(user.app, 'alice@example.com'),
  };
  bob = {
    id: (await signUp(user.app, 'bob@example.com', undefined, 'Bob')).id,
    tokens: await logIn(user.app, 'bob@example.com'),
  };
  admin = await logIn(user.app, 'boss@example.com');
});
after(async () => {
  await user.close();
  await cluster.close();
});

const snapshot = () => snapshotTables(user.db);

test('property: hostile requests at every user route never 5xx, and a refusal changes no table', async (t) => {
  const token = 'A'.repeat(43);
  const routes: RouteSpec[] = [
    {
      method: 'POST',
      path: fc.constant('/users'),
      body: { email: 'probe@example.com', password: 'a long enough secret', name: 'Probe' },
    },
    {
      method: 'POST',
      path: fc.constant('/users/sessions'),
      body: { email: 'probe@example.com', password: 'a long enough secret' },
    },
    { method: 'POST', path: fc.constant('/users/sessions/refresh'), body: { refreshToken: token } },
    { method: 'DELETE', path: fc.constant('/users/sessions/current'), body: { refreshToken: token } },
    { method: 'POST', path: fc.constant('/users/sessions/logout'), body: { refreshToken: token } },
    { method: 'GET', path: fc.constant('/users/me') },
    {
      method: 'PATCH',
      path: fc.constant('/users/me'),
      body: { name: 'Bobby', preferences: { newsletter: true, currency: 'EUR', language: 'pt-BR' } },
    },
    { method: 'GET', path: fc.constant(JWKS_PATH) },
    { method: 'POST', path: fc.constant('/users/keys/rotate') },
    {
      method: 'GET',
      path: fc.constantFrom(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        `/users/${alice.id}`,
        '/users/',
        '/users/me/',
        '/users/sessions/current',
        '/users/keys',
      ),
    },
  ];
  const tally = await assertNoHarm(
    user.app,
    hostileRequests(routes, {
      tokens: [bearer(bob.tokens.accessToken).authorization!, bearer(admin.accessToken).authorization!],
      ids: [alice.id, bob.id],
    }),
    {
      numRuns: 100,
      snapshot,
      // A failed log-in counts against the account and the address: that is the throttle's job (throttle.test.ts).
      refusalMayChange: (request, response) =>
        request.url.startsWith('/users/sessions') &&
        request.method === 'POST' &&
        (response.statusCode === 401 || response.statusCode === 429)
          ? ['login_throttle']
          : [],
    },
  );
  t.diagnostic(`statuses: ${tally.toString()}`);
  assert.ok(
    tally.count((s) => s < 300) > 0 && tally.count((s) => s === 400) > 0,
    `reached handlers and validation: ${tally.toString()}`,
  );
  const { rows } = await user.db.query<{ email: string }>("SELECT email FROM users WHERE role = 'admin'");
  assert.deepEqual(
    rows.map((r) => r.email),
    ['boss@example.com'],
    'no request made anyone else an admin',
  );
});

test("cross-user: Bob's token reads and changes only Bob, whatever names Alice in the path, query or body", async () => {
  const before = await snapshot();
  const bobAuth = bearer(bob.tokens.accessToken);
  for (const url of [
    '/users/me',
    `/users/me?id=${alice.id}`,
    `/users/me?userId=${alice.id}`,
    `/users/me?email=alice@example.com`,
  ]) {
    const me = await user.app.inject({ method: 'GET', url, headers: bobAuth });
    assertWellRefused(me, url);
    assert.ok(
      !me.body.includes(alice.id) && !me.body.includes('alice@example.com'),
      `${url} showed Bob Alice's profile: ${me.body}`,
    );
    if (me.statusCode === 200) assert.equal(me.json().id, bob.id);
  }
  for (const [method, url] of [
    ['GET', `/users/${alice.id}`],
    ['PATCH', `/users/${alice.id}`],
    ['DELETE', `/users/${alice.id}`],
    ['GET', `/users/me/${alice.id}`],
  ] as const) {
    const reached = await user.app.inject({
      method,
      url,
      headers: bobAuth,
      ...(method === 'PATCH' ? { payload: { name: 'Pwned' } } : {}),
    });
    assertWellRefused(reached, `${method} ${url}`);
    assert.ok(reached.statusCode === 404 || reached.statusCode === 403, `${method} ${url} -> ${reached.statusCode}`);
  }
  for (const payload of [
    { id: alice.id, name: 'Pwned' },
    { userId: alice.id, name: 'Pwned' },
    { email: 'alice@example.com' },
    { name: 'Pwned', role: 'admin' },
  ]) {
    const patched = await user.app.inject({ method: 'PATCH', url: '/users/me', headers: bobAuth, payload });
    assertWellRefused(patched, `PATCH /users/me ${JSON.stringify(payload)}`);
    assert.equal(patched.statusCode, 400, JSON.stringify(payload));
  }
  assert.deepEqual(await snapshot(), before, 'nobody changed');
  const aliceMe = await user.app.inject({ method: 'GET', url: '/users/me', headers: bearer(alice.tokens.accessToken) });
  assert.deepEqual([aliceMe.json().id, aliceMe.json().name], [alice.id, 'Alice'], 'control: Alice is still Alice');
});

test("cross-user: Bob cannot use, guess at or end Alice's session; her refresh token still works afterwards", async () => {
  const before = await snapshot();
  const stolen = alice.tokens.refreshToken;
  const near = [
    `${stolen.slice(0, -1)}${stolen.endsWith('A') ? 'B' : 'A'}`,
    `${stolen.slice(1)}A`,
    stolen.toLowerCase() === stolen ? stolen.toUpperCase() : stolen.toLowerCase(),
  ];
  for (const guess of near) {
    const refreshed = await refresh(user.app, guess);
    assertWellRefused(refreshed, `refresh with a near miss of Alice's token`);
    assert.equal(refreshed.statusCode, 401);
  }
  // Her refresh token is not an access token, and Bob's session ending is his own.
  const asAccess = await user.app.inject({ method: 'GET', url: '/users/me', headers: bearer(stolen) });
  assert.equal(asAccess.statusCode, 401);
  assertWellRefused(asAccess, 'a refresh token as a bearer token');
  assert.deepEqual(await snapshot(), before, 'near misses revoked nothing');
  const bobOut = await user.app.inject({
    method: 'POST',
    url: '/users/sessions/logout',
    headers: bearer(bob.tokens.accessToken),
    payload: { refreshToken: bob.tokens.refreshToken },
  });
  assert.equal(bobOut.statusCode, 204);
  const rotated = await refresh(user.app, stolen);
  assert.equal(rotated.statusCode, 200, "Alice's family survived every attempt");
  const me = await user.app.inject({ method: 'GET', url: '/users/me', headers: bearer(rotated.json().accessToken) });
  assert.equal(me.json().id, alice.id);
});
