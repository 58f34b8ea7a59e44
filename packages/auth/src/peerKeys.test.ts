import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerRequest } from '@shop/platform';
import { verifierFromPeer } from './peerKeys.ts';
import { createTestIssuer } from './testIssuer.ts';
import { JWKS_PATH } from './claims.ts';

test('verifierFromPeer fetches the user service key set at JWKS_PATH with the given budget', async () => {
  const issuer = await createTestIssuer();
  const asked: PeerRequest[] = [];
  const users = {
    request: <T>(request: PeerRequest) => {
      asked.push(request);
      return Promise.resolve({ status: 200, headers: {}, body: issuer.jwks as T });
    },
  };
  const verifier = verifierFromPeer(users, { timeoutMs: 2000 });
  const principal = await verifier.verify(await issuer.token({ role: 'admin' }));
  assert.equal(principal.role, 'admin');
  assert.deepEqual(
    asked.map((r) => [r.method, r.path, r.timeoutMs]),
    [['GET', JWKS_PATH, 2000]],
  );
});

test('verifierFromPeer answers 503 when the user service refuses the key set and none is cached', async () => {
  const issuer = await createTestIssuer();
  const users = { request: <T>() => Promise.resolve({ status: 500, headers: {}, body: {} as T }) };
  await assert.rejects(verifierFromPeer(users).verify(await issuer.token({})), (error: { code?: string }) => {
    assert.equal(error.code, 'DEPENDENCY_UNAVAILABLE');
    return true;
  });
});
