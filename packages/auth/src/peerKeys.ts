/**
 * The access-token verifier every service and the gateway set up the same
 * way: its key set is the user service's JWKS, fetched over the mesh.
 */
import { JWKS_PATH } from '@shop/contracts';
import type { PeerClient } from '@shop/platform';
import type { JSONWebKeySet } from 'jose';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from './verifier.ts';

export interface PeerVerifierOptions extends Omit<TokenVerifierOptions, 'loadKeys'> {
  /** Budget of one key-set fetch (default: the peer client's). */
  timeoutMs?: number;
}

/**
 * A token verifier whose keys come from `users` (a mesh client of the user
 * service) at JWKS_PATH. A fetch answered with anything but 200 fails (the
 * verifier then keeps the keys it has, or answers 503 when it has none).
 */
export function verifierFromPeer(users: Pick<PeerClient, 'request'>, options: PeerVerifierOptions = {}): TokenVerifier {
  const { timeoutMs, ...verifierOptions } = options;
  return createTokenVerifier({
    ...verifierOptions,
    loadKeys: async () => {
      const response = await users.request<JSONWebKeySet>({
        method: 'GET',
        path: JWKS_PATH,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      if (response.status !== 200) throw new Error(`The user service answered ${response.status} for its key set`);
      return response.body;
    },
  });
}
