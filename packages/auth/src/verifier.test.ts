import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnsecuredJWT } from 'jose';
import { createAttackTokens } from './attackTokens.ts';
import { createTestIssuer } from './testIssuer.ts';
import { createTokenVerifier } from './verifier.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './claims.ts';

test('a token from the current key verifies to its principal', async () => {
  const issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const principal = await verifier.verify(
    await issuer.token({ userId: '7b7e1f0e-1111-4c1b-9e8d-7a6b5c4d3e2f', role: 'admin', email: 'a@b.co' }),
  );
  assert.equal(principal.userId, '7b7e1f0e-1111-4c1b-9e8d-7a6b5c4d3e2f');
  assert.equal(principal.role, 'admin');
});

test('RFC 8725 attacks are each refused by their own check', async (t) => {
  const issuer = await createTestIssuer('k1');
  const { jwks, attacks } = await createAttackTokens(issuer);
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(jwks), minRefreshIntervalMs: 0 });
  assert.equal(
    (await verifier.verify(await issuer.token({}))).role,
    'customer',
    'control: a good token verifies against the same key set',
  );
  for (const [name, attack] of Object.entries(attacks)) {
    await t.test(name, async () => {
      await assert.rejects(verifier.verify(attack.token), (error: { code?: string; detail?: string }) => {
        assert.equal(error.code, 'UNAUTHENTICATED');
        assert.match(String(error.detail), attack.refusal);
        return true;
      });
    });
  }
});

test('a token without a kid, as jose makes unsecured ones, is refused before any key is looked up', async () => {
  let fetches = 0;
  const issuer = await createTestIssuer('k1');
  const verifier = createTokenVerifier({
    loadKeys: () => {
      fetches += 1;
      return Promise.resolve(issuer.jwks);
    },
  });
  const none = new UnsecuredJWT({ role: 'admin', email: 'x@y.z' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject('u')
    .setExpirationTime('5m')
    .encode();
  await assert.rejects(verifier.verify(none), /no key id/);
  assert.equal(fetches, 0);
});

test('a new kid (key rotation) triggers one refetch of the key set', async () => {
  const old = await createTestIssuer('old');
  const rotated = await createTestIssuer('new');
  let fetches = 0;
  let current = old.jwks;
  const verifier = createTokenVerifier({
    loadKeys: () => {
      fetches += 1;
      return Promise.resolve(current);
    },
    minRefreshIntervalMs: 0,
  });
  await verifier.verify(await old.token({}));
  current = { keys: [...old.jwks.keys, ...rotated.jwks.keys] };
  await verifier.verify(await rotated.token({}));
  await verifier.verify(await old.token({}));
  assert.equal(fetches, 2);
});

test('a token verified once is not trusted past its expiry, nor once its key has left the set', async () => {
  const issuer = await createTestIssuer('k1');
  let clock = Date.now();
  let jwks = issuer.jwks;
  const verifier = createTokenVerifier({
    loadKeys: () => Promise.resolve(jwks),
    minRefreshIntervalMs: 0,
    now: () => clock,
  });
  const token = await issuer.token({ expiresInSec: 20 });
  assert.equal((await verifier.verify(token)).role, 'customer');
  assert.equal((await verifier.verify(token)).role, 'customer', 'a second look answers the same');
  clock += 26_000; // past exp and the 5 s tolerance, well inside the cache's own minute
  await assert.rejects(verifier.verify(token), /expired/);

  clock = Date.now();
  const fresh = await issuer.token({});
  assert.equal((await verifier.verify(fresh)).role, 'customer');
  const rotated = await createTestIssuer('k2');
  jwks = rotated.jwks; // the user service dropped k1; a token under a new kid makes the verifier refetch
  await verifier.verify(await rotated.token({}));
  await assert.rejects(verifier.verify(fresh), /unknown key/);
});

test('a token verified once is not checked again: its signature is not re-verified at every hop', async () => {
  const issuer = await createTestIssuer('k1');
  const impostor = await createTestIssuer('k1'); // another key under the same kid
  const other = await createTestIssuer('k2');
  let jwks = issuer.jwks;
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(jwks), minRefreshIntervalMs: 0 });
  const token = await issuer.token({});
  assert.equal((await verifier.verify(token)).role, 'customer');
  // The set now holds a different key under k1: only a verifier that checks again would notice.
  jwks = { keys: [...impostor.jwks.keys, ...other.jwks.keys] };
  await verifier.verify(await other.token({})); // an unknown kid: the set is refetched
  assert.equal((await verifier.verify(token)).role, 'customer', 'answered from what was verified');
  await assert.rejects(
    verifier.verify(await issuer.token({})),
    /signature/,
    'a token not seen before is checked against the new set',
  );
});
