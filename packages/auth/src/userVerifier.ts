/**
 * The access-token verifier a service's createApp sets up: keys from the user
 * service's JWKS over the mesh, through the app's peers (main's, or its own
 * from PEER_USER_URLS).
 */
import type { OwnedPeers } from '@shop/platform';
import { verifierFromPeer } from './peerKeys.ts';
import type { TokenVerifier } from './verifier.ts';

/**
 * A verifier fed by the user service through `peers` (createAuthenticatedApp sets one up). Throws
 * when main supplied no peers and `urls` is empty: tokens could never be checked.
 */
export function userVerifier(peers: Pick<OwnedPeers, 'peer' | 'fromMain'>, urls: string | undefined): TokenVerifier {
  if (!peers.fromMain && !urls)
    throw new Error('PEER_USER_URLS is required to verify access tokens (or inject a verifier)');
  return verifierFromPeer(peers.peer('user', urls));
}
