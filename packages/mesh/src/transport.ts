import { createSecureContext, type PeerCertificate } from 'node:tls';
import { Agent } from 'undici';
import { spiffeId } from './identity.ts';
import type { PemBundle } from './pki.ts';

/** How the mesh client reaches one destination's instances. */
export interface TransportOptions {
  /** The destination: with `tls`, its certificate must carry this identity. */
  service: string;
  tls?: PemBundle | undefined;
  /** Connecting (TCP and TLS handshake) to one instance. */
  connectTimeoutMs: number;
  /** Keep-alive connections to each instance (HTTP/1.1: also the requests in flight to it). */
  connectionsPerInstance: number;
}

/**
 * The undici dispatcher for one destination: a few long-lived keep-alive
 * connections per instance, and with `tls` mutual TLS where the server must
 * prove it is the service we meant to call.
 */
export function createTransport(options: TransportOptions): Agent {
  return new Agent({
    keepAliveTimeout: 10_000,
    // Few, long-lived connections per instance: past them requests queue here
    // instead of opening more, because under overload a storm of new TLS
    // handshakes takes the CPU the requests needed (a metastable collapse).
    connections: options.connectionsPerInstance,
    // A frozen or unreachable instance must not hold an attempt for undici's default 10 s.
    connect: {
      timeout: options.connectTimeoutMs,
      ...(options.tls ? mutualTls(options.tls, spiffeId(options.service)) : {}),
    },
  });
}

/** The TLS half of the connect options: our certificate, the mesh CA, and the server's identity check. */
function mutualTls(tls: PemBundle, expected: string): object {
  return {
    // One context for every connection: given PEMs instead, Node parses
    // them again for each new connection (a storm of them when an instance restarts).
    secureContext: createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key }),
    rejectUnauthorized: true,
    checkServerIdentity: peerIdentityCheck(expected),
  };
}

/** The server must be the service we meant to call, not just anyone our CA signed. */
export function peerIdentityCheck(expected: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) =>
    cert.subjectaltname?.split(', ').includes(`URI:${expected}`) ? undefined : new Error(`server is not ${expected}`);
}
