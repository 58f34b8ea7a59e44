// The peer clients a service's createApp uses: the ones main made (deps.peer, followed by
// discovery and closed on shutdown) or, when built without them (tests), clients of its own from
// the PEER_*_URLS it was given, which it must close itself.
import type { ServiceDeps } from './bootService.ts';
import { createPeerClient, parsePeerUrls, type PeerClient } from './peers.ts';

/** A createApp's peers: `peer(service, urls)` for a client, `close()` for the ones it made itself. */
export interface OwnedPeers {
  /** deps.peer(service) when main made one, else a client of `urls` (made once per service). */
  peer(service: string, urls: string | undefined): PeerClient;
  /** Closes the clients this made (none when they all came from deps.peer). */
  close(): Promise<void>;
  /** True when main supplied the clients (deps.peer): then a caller needs no PEER_*_URLS. */
  readonly fromMain: boolean;
}

/**
 * Peers for `caller`'s createApp. Usage: `const peers = ownedPeers(deps, 'order');
 * createProductClient(peers.peer('product', config.PEER_PRODUCT_URLS));
 * app.addHook('onClose', () => peers.close());`
 */
export function ownedPeers(deps: Pick<ServiceDeps, 'peer' | 'tls'>, caller: string): OwnedPeers {
  const owned = new Map<string, PeerClient>();
  return {
    fromMain: deps.peer !== undefined,
    peer: (service, urls) => {
      if (deps.peer) return deps.peer(service);
      const existing = owned.get(service);
      if (existing) return existing;
      const client = createPeerClient({ service, urls: parsePeerUrls(urls), caller, tls: deps.tls });
      owned.set(service, client);
      return client;
    },
    close: async () => {
      await Promise.all([...owned.values()].map((client) => client.close()));
    },
  };
}
