import {
  createBaseApp,
  ownedPeers,
  type BaseServiceConfig,
  type OwnedPeers,
  type ServiceApp,
  type ServiceDeps,
} from '@shop/platform';
import { registerAuthentication } from './plugin.ts';
import { userVerifier } from './userVerifier.ts';
import type { TokenVerifier } from './verifier.ts';

/**
 * How the createApp of a service whose callers sign in with the user service's tokens begins: the
 * base app, the peers it owns as `caller`, and authentication by the user service's key set through
 * those peers, or by `verifier` (tests). The service closes the peers on its own onClose, after
 * whatever still uses them.
 */
export function createAuthenticatedApp(
  config: BaseServiceConfig & { PEER_USER_URLS: string | undefined },
  deps: ServiceDeps,
  options: { caller: string; verifier: TokenVerifier | undefined },
): { app: ServiceApp; peers: OwnedPeers } {
  const app = createBaseApp(config, deps);
  const peers = ownedPeers(deps, options.caller);
  registerAuthentication(app, options.verifier ?? userVerifier(peers, config.PEER_USER_URLS));
  return { app, peers };
}
