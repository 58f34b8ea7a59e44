// Access tokens against the published JWKS, and the signed-in user's own profile.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader } from 'jose';
import { createTestIssuer, createTokenVerifier, JWKS_PATH, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@shop/auth';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { bearer, logIn, signUp, startUserService, type UserService } from './harness.ts';

let cluster: TestCluster;
let user: UserService;

before(async () => {
  cluster = await startEmbeddedCluster('user-profile');
  user = await startUserService(cluster);
});
after(async () => {
  await user.close();
  await cluster.close();
});

test('the access token verifies with createTokenVerifier fed by the JWKS endpoint body', async () => {
  const { id } = await signUp(user.app, 'jwks@example.com');
  const { accessToken } = await logIn(user.app, 'jwks@example.com');
  const jwks = await user.app.inject({ method: 'GET', url: JWKS_PATH });
  assert.equal(jwks.statusCode, 200);
  assert.equal(jwks.headers['cache-control'], 'public, max-age=60');
  const set = jwks.json();
  assert.equal(set.keys.length, 1);
  assert.deepEqual(Object.keys(set.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  assert.deepEqual([set.keys[0].alg, set.keys[0].use, set.keys[0].crv], ['EdDSA', 'sig', 'Ed25519']);
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(set) });
  const principal = await verifier.verify(accessToken);
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const { rows } = await user.db.query<{ id: string }>('SELECT id FROM refresh_families WHERE user_id = $1', [id]);
  assert.deepEqual(
    { ...principal, tokenId: typeof principal.tokenId },
    {
      userId: id,
      role: 'customer',
      email: 'jwks@example.com',
      tokenId: 'string',
      sessionId: rows[0]!.id,
      expiresAt: (claims.exp as number) * 1000,
    },
  );
  assert.equal(decodeProtectedHeader(accessToken).kid, set.keys[0].kid);
  assert.deepEqual(Object.keys(claims).sort(), [
    'aud',
    'email',
    'exp',
    'iat',
    'iss',
    'jti',
    'nbf',
    'role',
    'sid',
    'sub',
  ]);
  assert.deepEqual(
    [claims.iss, claims.aud, (claims.exp as number) - (claims.iat as number)],
    [TOKEN_ISSUER, TOKEN_AUDIENCE, 900],
  );
});

test('/users/me needs a valid token of this service', async () => {
  const none = await user.app.inject({ method: 'GET', url: '/users/me' });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().code, 'UNAUTHENTICATED');
  const garbage = await user.app.inject({ method: 'GET', url: '/users/me', headers: { authorization: 'Bearer nope' } });
  assert.equal(garbage.statusCode, 401);
  const foreign = await createTestIssuer();
  const forged = await user.app.inject({
    method: 'GET',
    url: '/users/me',
    headers: bearer(await foreign.token({ role: 'admin' })),
  });
  assert.equal(forged.statusCode, 401);
  const patch = await user.app.inject({ method: 'PATCH', url: '/users/me', payload: { name: 'x' } });
  assert.equal(patch.statusCode, 401);
});

test('GET /users/me returns only the caller own profile', async () => {
  const alice = await signUp(user.app, 'alice@example.com', undefined, 'Alice');
  await signUp(user.app, 'bob@example.com', undefined, 'Bob');
  const { accessToken } = await logIn(user.app, 'alice@example.com');
  const me = await user.app.inject({ method: 'GET', url: '/users/me', headers: bearer(accessToken) });
  assert.equal(me.statusCode, 200);
  const body = me.json();
  assert.equal(body.id, alice.id);
  assert.equal(body.name, 'Alice');
  assert.deepEqual(body.preferences, {});
  assert.equal(body.passwordHash, undefined);
  assert.equal(body.password_hash, undefined);
});

test('PATCH /users/me validates, persists, and merges preferences', async () => {
  await signUp(user.app, 'carol@example.com', undefined, 'Carol');
  const { accessToken } = await logIn(user.app, 'carol@example.com');
  const patch = (payload: unknown) =>
    user.app.inject({
      method: 'PATCH',
      url: '/users/me',
      headers: bearer(accessToken),
      payload: payload as Record<string, unknown>,
    });

  const updated = await patch({
    name: '  Carol K  ',
    preferences: { newsletter: true, currency: 'EUR', language: 'pt-BR' },
  });
  assert.equal(updated.statusCode, 200, updated.body);
  assert.equal(updated.json().name, 'Carol K');
  assert.deepEqual(updated.json().preferences, { newsletter: true, currency: 'EUR', language: 'pt-BR' });

  const merged = await patch({ preferences: { currency: null, newsletter: false } });
  assert.deepEqual(merged.json().preferences, { newsletter: false, language: 'pt-BR' });

  for (const [payload, field] of [
    [{ preferences: { currency: 'euro' } }, 'body/preferences/currency'],
    [{ preferences: { theme: 'dark' } }, 'body/preferences/theme'],
    [{ role: 'admin' }, 'body/role'],
    [{ name: 42 }, 'body/name'],
    [{ name: '   ' }, 'body/name'],
  ] as const) {
    const refused = await patch(payload);
    assert.equal(refused.statusCode, 400, JSON.stringify(payload));
    assert.equal(refused.json().code, 'VALIDATION_FAILED');
    assert.ok(
      refused.json().errors.some((e: { field: string }) => e.field.startsWith(field)),
      `${JSON.stringify(payload)}: ${refused.body}`,
    );
  }
  assert.equal((await patch({})).statusCode, 400);

  const persisted = await user.app.inject({ method: 'GET', url: '/users/me', headers: bearer(accessToken) });
  assert.equal(persisted.json().name, 'Carol K');
  assert.equal(persisted.json().role, 'customer');
  assert.deepEqual(persisted.json().preferences, { newsletter: false, language: 'pt-BR' });
});
