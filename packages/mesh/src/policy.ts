import type { BackendPolicy } from './backends.ts';
import type { RetryBudgetOptions } from './retryBudget.ts';

/** Every knob of the mesh client for one destination. */
export interface MeshPolicy {
  /** Per attempt; the whole call is also bounded by the caller's deadline. */
  attemptTimeoutMs: number;
  /** Connecting (TCP and TLS handshake) to one instance. */
  connectTimeoutMs: number;
  /** Keep-alive connections to each instance (HTTP/1.1: also the requests in flight to it). */
  connectionsPerInstance: number;
  /** Total budget of a call when the caller gives none. */
  callTimeoutMs: number;
  maxAttempts: number;
  backoff: { initialMs: number; maxMs: number };
  budget: Omit<RetryBudgetOptions, 'now'>;
  breaker: { threshold: number; windowMs: number; minimumRps: number; halfOpenAfterMs: number };
  bulkhead: { limit: number; queue: number };
  ejection: BackendPolicy;
  /**
   * Consecutive 5xx answers or timeouts that eject an instance (softly: see
   * BackendSet.ejectSoft). A refused or dropped connection ejects at once.
   */
  consecutiveFailuresToEject: number;
}

/**
 * The seed's defaults (3 attempts, breaker at 50% over 10 s), except that an
 * open breaker lets a probe through after 1 s, not 30: a peer back to health
 * gets its traffic back within a second (issue 22), and one still failing
 * costs one call per second.
 */
export const defaultMeshPolicy: MeshPolicy = {
  attemptTimeoutMs: 2000,
  connectTimeoutMs: 2000,
  connectionsPerInstance: 64,
  callTimeoutMs: 5000,
  maxAttempts: 3,
  backoff: { initialMs: 10, maxMs: 250 },
  budget: { ratio: 0.2, minRetriesPerSec: 10, ttlMs: 10_000 },
  breaker: { threshold: 0.5, windowMs: 10_000, minimumRps: 2, halfOpenAfterMs: 1000 },
  bulkhead: { limit: 512, queue: 1024 },
  ejection: { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 1000, maxEjectionMs: 30_000 },
  consecutiveFailuresToEject: 3,
};
