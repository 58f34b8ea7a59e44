// Signing keys: one shared set per database, sealed at rest under a KEK, rotation that logs nobody out,
// retirement once the old key's tokens have expired. Runs on a fake clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { createTokenVerifier, JWKS_PATH } from '@shop/auth';
import type { ServiceApp } from '@shop/platform';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import {
  anotherInstance,
  bearer,
  kekFile,
  logIn,
  PASSWORD,
  signUp,
  startUserService,
  type UserService,
} from './harness.ts';

let cluster: TestCluster;
let user: UserService;
let clock = Date.UTC(2030, 0, 1);
const now = (): number => clock;
const others: ServiceApp[] = [];

before(async () => {
  cluster = await startEmbeddedCluster('user-keys');
  user = await startUserService(cluster, {
    now,
    env: { ADMIN_EMAIL: 'keymaster@shop.io', ADMIN_INITIAL_PASSWORD: PASSWORD },
  });
  await signUp(user.app, 'shopper@example.com');
});
after(async () => {
  await Promise.all(others.map((app) => app.close()));
  await user.close();
  await cluster.close();
});

async function jwksKids(app: ServiceApp = user.app): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: JWKS_PATH });
  return (response.json().keys as Array<{ kid: string }>).map((k) => k.kid).sort();
}

async function me(token: string, app: ServiceApp = user.app): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/users/me', headers: bearer(token) })).statusCode;
}

test('only admins may rotate the signing key', async () => {
  const shopper = await logIn(user.app, 'shopper@example.com');
  const forbidden = await user.app.inject({
    method: 'POST',
    url: '/users/keys/rotate',
    headers: bearer(shopper.accessToken),
  });
  assert.equal(forbidden.statusCode, 403);
  assert.equal(forbidden.json().code, 'FORBIDDEN');
  const anonymous = await user.app.inject({ method: 'POST', url: '/users/keys/rotate' });
  assert.equal(anonymous.statusCode, 401);
  assert.equal((await jwksKids()).length, 1);
});

test('rotation: old tokens keep verifying, new tokens carry the new kid, the JWKS has both', async () => {
  const before = await logIn(user.app, 'shopper@example.com');
  const oldKid = decodeProtectedHeader(before.accessToken).kid!;
  const admin = await logIn(user.app, 'keymaster@shop.io');
  const rotated = await user.app.inject({
    method: 'POST',
    url: '/users/keys/rotate',
    headers: bearer(admin.accessToken),
  });
  assert.equal(rotated.statusCode, 201);
  const newKid = rotated.json().kid as string;
  assert.notEqual(newKid, oldKid);

  assert.equal(await me(before.accessToken), 200, 'a token signed before the rotation still works');
  const after = await logIn(user.app, 'shopper@example.com');
  assert.equal(decodeProtectedHeader(after.accessToken).kid, newKid);
  assert.equal(await me(after.accessToken), 200);
  assert.deepEqual(await jwksKids(), [oldKid, newKid].sort());

  const set = (await user.app.inject({ method: 'GET', url: JWKS_PATH })).json();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(set), now });
  await verifier.verify(before.accessToken);
  await verifier.verify(after.accessToken);

  // A refresh after the rotation is signed with the new key, in the same session.
  const refreshed = await user.app.inject({
    method: 'POST',
    url: '/users/sessions/refresh',
    payload: { refreshToken: before.refreshToken },
  });
  assert.equal(decodeProtectedHeader(refreshed.json().accessToken).kid, newKid);
});

test('another instance on the same database signs with the same key and accepts the first one tokens', async () => {
  const second = await anotherInstance(user, { now });
  others.push(second);
  const fromFirst = await logIn(user.app, 'shopper@example.com');
  const fromSecond = await logIn(second, 'shopper@example.com', undefined, '10.0.0.2');
  assert.equal(decodeProtectedHeader(fromSecond.accessToken).kid, decodeProtectedHeader(fromFirst.accessToken).kid);
  assert.equal(await me(fromFirst.accessToken, second), 200);
  assert.equal(await me(fromSecond.accessToken, user.app), 200);
  assert.deepEqual(await jwksKids(second), await jwksKids());
});

test('a rotated-out key leaves the JWKS once every token it signed has expired', async () => {
  const kids = await jwksKids();
  assert.equal(kids.length, 2);
  clock += 899_000;
  assert.equal((await jwksKids()).length, 2, 'still published while its last tokens may be alive');
  clock += 62_000; // past the 900 s lifetime plus the 60 s margin
  const remaining = await jwksKids();
  assert.equal(remaining.length, 1);
  const fresh = await logIn(user.app, 'shopper@example.com', undefined, '10.0.0.3');
  assert.equal(decodeProtectedHeader(fresh.accessToken).kid, remaining[0]);
  assert.equal(await me(fresh.accessToken), 200);
});

test('instances starting together on an empty key table create exactly one key', async () => {
  await user.db.query('DELETE FROM signing_keys');
  const started = await Promise.all([1, 2, 3].map((n) => anotherInstance(user, { now, instance: `user-race-${n}` })));
  others.push(...started);
  const { rows } = await user.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM signing_keys WHERE retires_at IS NULL',
  );
  assert.equal(rows[0]!.n, 1);
});

test('private keys are sealed at rest: the table holds no private key in the clear', async () => {
  const { rows } = await user.db.query<{ kid: string; private_jwk: Record<string, unknown> }>(
    'SELECT kid, private_jwk FROM signing_keys',
  );
  assert.ok(rows.length > 0);
  for (const row of rows) {
    assert.equal(row.private_jwk.d, undefined, `${row.kid} stores its private part`);
    assert.equal(row.private_jwk.sealed, 'A256GCM');
  }
});

test('a plaintext key row written before sealing still signs, and is sealed at the next start', async () => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  await user.db.query('INSERT INTO signing_keys (kid, public_jwk, private_jwk, created_at) VALUES ($1, $2, $3, $4)', [
    kid,
    JSON.stringify(publicJwk),
    JSON.stringify(await exportJWK(privateKey)),
    new Date(clock + 1000),
  ]);
  clock += 2000;
  const restarted = await anotherInstance(user, { now, instance: 'user-restarted' });
  others.push(restarted);
  const { rows } = await user.db.query<{ private_jwk: Record<string, unknown> }>(
    'SELECT private_jwk FROM signing_keys WHERE kid = $1',
    [kid],
  );
  assert.equal(rows[0]!.private_jwk.d, undefined, 'sealed at start');
  const tokens = await logIn(restarted, 'shopper@example.com', undefined, '10.0.0.9');
  assert.equal(decodeProtectedHeader(tokens.accessToken).kid, kid, 'the newest key, now sealed, signs');
  assert.equal(await me(tokens.accessToken, restarted), 200);
});

test('an instance whose KEK is not the one the keys were sealed under refuses to start, naming the variable', async () => {
  const other = await kekFile();
  try {
    await assert.rejects(
      anotherInstance(user, { now, instance: 'user-wrong-kek', config: { SIGNING_KEY_KEK_FILE: other } }),
      /SIGNING_KEY_KEK_FILE must be the same file for every instance/,
    );
  } finally {
    await rm(dirname(other), { recursive: true, force: true });
  }
});
