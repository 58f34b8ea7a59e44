import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair, UnsecuredJWT } from 'jose';
import { createTestIssuer } from './testIssuer.ts';
import { createTokenVerifier } from './verifier.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './claims.ts';

test('a token from the current key verifies to its principal', async () => {
  const issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const principal = await verifier.verify(await issuer.token({ userId: '7b7e1f0e-1111-4c1b-9e8d-7a6b5c4d3e2f', role: 'admin', email: 'a@b.co' }));
  assert.equal(principal.userId, '7b7e1f0e-1111-4c1b-9e8d-7a6b5c4d3e2f');
  assert.equal(principal.role, 'admin');
});

test('expired, unsigned, foreign-key and wrong-audience tokens are refused', async () => {
  const issuer = await createTestIssuer('k1');
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks), minRefreshIntervalMs: 0 });
  await assert.rejects(verifier.verify(await issuer.token({ expiresInSec: -60 })), /expired/);
  const none = new UnsecuredJWT({ role: 'admin', email: 'x@y.z' }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setSubject('u').setExpirationTime('5m').encode();
  await assert.rejects(verifier.verify(none), /no key id|not valid/);
  const impostor = await createTestIssuer('k1');
  await assert.rejects(verifier.verify(await impostor.token({})), /not valid/);
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const wrongAudience = await new SignJWT({ role: 'customer', email: 'x@y.z' }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setIssuer(TOKEN_ISSUER).setAudience('other').setSubject('u').setJti('j').setIssuedAt().setExpirationTime('5m').sign(privateKey);
  await assert.rejects(verifier.verify(wrongAudience), /not valid/);
});

test('HS256 signed with the public key (algorithm confusion) is refused', async () => {
  const issuer = await createTestIssuer('k1');
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const secret = new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0]));
  const forged = await new SignJWT({ role: 'admin', email: 'x@y.z' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setSubject('u').setJti('j').setIssuedAt().setExpirationTime('5m').sign(secret);
  await assert.rejects(verifier.verify(forged), /not valid/);
});

test('a new kid (key rotation) triggers one refetch of the key set', async () => {
  const old = await createTestIssuer('old');
  const rotated = await createTestIssuer('new');
  let fetches = 0;
  let current = old.jwks;
  const verifier = createTokenVerifier({ loadKeys: () => { fetches += 1; return Promise.resolve(current); }, minRefreshIntervalMs: 0 });
  await verifier.verify(await old.token({}));
  current = { keys: [...old.jwks.keys, ...rotated.jwks.keys] };
  await verifier.verify(await rotated.token({}));
  await verifier.verify(await old.token({}));
  assert.equal(fetches, 2);
});
