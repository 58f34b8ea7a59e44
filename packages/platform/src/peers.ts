import {
  createMeshClient,
  MeshError,
  type MeshEvent,
  type MeshPolicy,
  type PeerClient,
  type PemBundle,
} from '@shop/mesh';
import { AppError } from './errors.ts';

export type { PeerClient, PeerRequest, PeerResponse, RawPeerRequest, RawPeerResponse } from '@shop/mesh';

export interface PeerClientOptions {
  /** The service being called. */
  service: string;
  urls: string[];
  /** Our identity: sent as x-caller, and proven by the certificate when `tls` is set. */
  caller: string;
  /** Total budget of a call (retries included) when the caller gives none. */
  defaultTimeoutMs?: number;
  tls?: PemBundle;
  policy?: Partial<MeshPolicy>;
  onEvent?: (event: MeshEvent) => void;
}

export function parsePeerUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Every service-to-service call goes through the mesh client: balancing over
 * healthy instances, passive ejection, timeouts and deadlines, budgeted
 * retries for safe requests, a circuit breaker and a bulkhead per destination,
 * and mTLS when certificates are configured.
 */
export function createPeerClient(options: PeerClientOptions): PeerClient {
  if (options.urls.length === 0) throw new Error(`No instances configured for peer service "${options.service}"`);
  return createMeshClient({
    service: options.service,
    caller: options.caller,
    instances: options.urls,
    tls: options.tls,
    policy: {
      ...(options.defaultTimeoutMs
        ? { callTimeoutMs: options.defaultTimeoutMs, attemptTimeoutMs: Math.min(2000, options.defaultTimeoutMs) }
        : {}),
      ...options.policy,
    },
    onEvent: options.onEvent,
  });
}

/**
 * A call that produced no answer becomes a catalogued 503/504 the client may
 * retry. A peer that refused the work (OVERLOADED) is, for our caller, a
 * dependency unavailable: our own OVERLOADED means "this instance shed you, try
 * another", and passing the peer's on would have every layer above retry it.
 */
export function meshError(error: unknown): AppError | undefined {
  if (!(error instanceof MeshError)) return undefined;
  const code = error.code === 'OVERLOADED' ? 'DEPENDENCY_UNAVAILABLE' : error.code;
  return new AppError(code, { retryAfter: error.retryAfter, detail: error.message, cause: error });
}
