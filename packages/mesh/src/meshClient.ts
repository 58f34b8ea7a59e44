import { BackendSet } from './backends.ts';
import { RetryBudget } from './retryBudget.ts';
import { AdaptiveThrottle } from './throttle.ts';
import { createTransport } from './transport.ts';
import { PassiveEjection } from './ejection.ts';
import { makeAttempt } from './attempt.ts';
import { makeCall } from './call.ts';
import { breakerStateName, createPolicies } from './policies.ts';
import { combineListeners, eventStream, type MeshEvent, type MeshListener } from './events.ts';
import { defaultMeshPolicy, type MeshPolicy } from './policy.ts';
import { readWhole } from './readWhole.ts';
import type { PeerClient, PeerRequest, PeerResponse, RawPeerRequest, RawPeerResponse } from './types.ts';
import type { PemBundle } from './pki.ts';

export { DEADLINE_HEADER } from './deadline.ts';
export { defaultMeshPolicy, type MeshPolicy } from './policy.ts';
export type { MeshEvent, MeshListener } from './events.ts';
export { readWhole } from './readWhole.ts';

export interface MeshClientOptions {
  service: string;
  caller: string;
  /** Base URLs of the destination's instances (https:// when tls is set). */
  instances: string[];
  tls?: PemBundle;
  policy?: Partial<MeshPolicy>;
  now?: () => number;
  /** Every event as a plain object (logs, counters). */
  onEvent?: (event: MeshEvent) => void;
  /** Typed events (retries, breaker, ejections): metrics and the like. */
  listener?: MeshListener;
}

/**
 * The mesh client: every service-to-service call goes through it. Per call:
 * a bulkhead (concurrency per destination), a circuit breaker (seed defaults),
 * retries with exponential backoff and full jitter only for idempotent or
 * idempotency-keyed requests (or ones that never left), under a retry budget,
 * and adaptive throttling of a destination that refuses (throttle.ts);
 * per attempt: power-of-two-choices over instances not ejected, a timeout
 * bounded by the caller's deadline (sent along as x-request-timeout-ms), and
 * passive ejection of an instance on a connection failure (at once) or on
 * repeated 5xx or timeouts (while enough instances stay in rotation).
 * With `tls`, connections are mTLS and the server must prove the destination's
 * identity. It implements the platform's PeerClient, so callers do not change.
 *
 * The parts, one file each: transport.ts (undici, TLS), attempt.ts (one
 * attempt, its failure kind), policies.ts (cockatiel), call.ts (the call and
 * its span, tracing.ts), ejection.ts, events.ts (listeners).
 */
export interface MeshClient extends PeerClient {
  breakerState(): string;
  /** The instances now known (discovery). */
  instances(): string[];
  /** Replaces the instance set (discovery); state of instances that stay is kept. */
  update(urls: string[]): void;
}

export function createMeshClient(options: MeshClientOptions): MeshClient {
  const policy: MeshPolicy = { ...defaultMeshPolicy, ...options.policy };
  const now = options.now ?? Date.now;
  const { service, caller } = options;
  const listener = combineListeners([
    options.onEvent ? eventStream(service, options.onEvent) : undefined,
    options.listener,
  ]);
  const backends = new BackendSet(options.instances, policy.ejection);
  const budget = new RetryBudget({ ...policy.budget, now });
  const dispatcher = createTransport({
    service,
    tls: options.tls,
    connectTimeoutMs: policy.connectTimeoutMs,
    connectionsPerInstance: policy.connectionsPerInstance,
  });
  const ejection = new PassiveEjection({ backends, threshold: policy.consecutiveFailuresToEject, now, listener });
  const { pipeline, breaker } = createPolicies(policy, budget, listener);
  const { attemptTimeoutMs, maxAttempts, callTimeoutMs } = policy;
  const attempt = makeAttempt({ service, caller, dispatcher, backends, ejection, attemptTimeoutMs, maxAttempts, now });
  const halfOpenAfterMs = policy.breaker.halfOpenAfterMs;
  const throttle = new AdaptiveThrottle({ now });
  const call = makeCall({
    ...{ service, caller, backends, budget, throttle, pipeline, attempt },
    ...{ callTimeoutMs, halfOpenAfterMs, now },
  });
  return {
    service,
    breakerState: () => breakerStateName(breaker),
    instances: () => backends.backends.map((b) => b.url),
    update: (urls) => backends.replace(urls),
    requestRaw: (req) => call(req, true),
    request: (req) => requestJson(call, req),
    close: () => dispatcher.close(),
  };
}

/** A call with a JSON body, its answer parsed when it says it is JSON. */
async function requestJson<T>(
  call: (req: RawPeerRequest, streaming: boolean) => Promise<RawPeerResponse>,
  req: PeerRequest,
): Promise<PeerResponse<T>> {
  const hasBody = req.body !== undefined;
  const response = await call(
    {
      ...req,
      body: hasBody ? JSON.stringify(req.body) : undefined,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...req.headers },
    },
    false,
  );
  const text = (await readWhole(response.body)).toString('utf8');
  let body: unknown = text;
  if (text !== '' && /json/.test(String(response.headers['content-type'] ?? ''))) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: body as T };
}
