import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerClient } from '@shop/platform';
import { createTestIssuer } from './testIssuer.ts';
import { userVerifier } from './userVerifier.ts';

/** Peers whose user client serves `issuer`'s key set; records which services and URLs were asked for. */
function fakePeers(
  jwks: unknown,
  fromMain: boolean,
): { peers: Parameters<typeof userVerifier>[0]; asked: unknown[][] } {
  const asked: unknown[][] = [];
  const users = {
    request: <T>() => Promise.resolve({ status: 200, headers: {}, body: jwks as T }),
  } as unknown as PeerClient;
  const peers = {
    fromMain,
    peer: (service: string, urls: string | undefined) => {
      asked.push([service, urls]);
      return users;
    },
  };
  return { peers, asked };
}

test('userVerifier verifies with the key set of the user peer made from PEER_USER_URLS', async () => {
  const issuer = await createTestIssuer();
  const { peers, asked } = fakePeers(issuer.jwks, false);
  const verifier = userVerifier(peers, 'https://127.0.0.1:1');
  const principal = await verifier.verify(await issuer.token({ role: 'admin' }));
  assert.equal(principal.role, 'admin');
  assert.deepEqual(asked, [['user', 'https://127.0.0.1:1']]);
});

test('userVerifier needs no PEER_USER_URLS when main supplied the peers', async () => {
  const issuer = await createTestIssuer();
  const { peers, asked } = fakePeers(issuer.jwks, true);
  userVerifier(peers, undefined);
  assert.deepEqual(asked, [['user', undefined]]);
});

test('userVerifier refuses to start without PEER_USER_URLS or peers from main', async () => {
  const issuer = await createTestIssuer();
  const { peers, asked } = fakePeers(issuer.jwks, false);
  assert.throws(() => userVerifier(peers, undefined), /PEER_USER_URLS is required to verify access tokens/);
  assert.throws(() => userVerifier(peers, ''), /PEER_USER_URLS is required/);
  assert.deepEqual(asked, []);
});
