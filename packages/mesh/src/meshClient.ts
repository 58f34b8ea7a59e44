import { createSecureContext, type PeerCertificate } from 'node:tls';
import { Readable } from 'node:stream';
import { Agent, errors as undiciErrors, request as undiciRequest } from 'undici';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ExponentialBackoff,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  retry,
  wrap,
  type CircuitState,
} from 'cockatiel';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  MeshError,
  type PeerClient,
  type PeerRequest,
  type PeerResponse,
  type RawPeerRequest,
  type RawPeerResponse,
} from './types.ts';
import { BackendSet, type Backend, type BackendPolicy } from './backends.ts';
import { RetryBudget, type RetryBudgetOptions } from './retryBudget.ts';
import { spiffeId } from './identity.ts';
import { activeDeadline } from './deadline.ts';
import type { PemBundle } from './pki.ts';

export const DEADLINE_HEADER = 'x-request-timeout-ms';

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

/** The seed's defaults: 3 attempts, breaker at 50% over 10 s, open for 30 s. */
export const defaultMeshPolicy: MeshPolicy = {
  attemptTimeoutMs: 2000,
  connectTimeoutMs: 2000,
  connectionsPerInstance: 64,
  callTimeoutMs: 5000,
  maxAttempts: 3,
  backoff: { initialMs: 10, maxMs: 250 },
  budget: { ratio: 0.2, minRetriesPerSec: 10, ttlMs: 10_000 },
  breaker: { threshold: 0.5, windowMs: 10_000, minimumRps: 2, halfOpenAfterMs: 30_000 },
  bulkhead: { limit: 512, queue: 1024 },
  ejection: { unhealthyThreshold: 3, healthyThreshold: 2, baseEjectionMs: 1000, maxEjectionMs: 30_000 },
  consecutiveFailuresToEject: 3,
};

export interface MeshClientOptions {
  service: string;
  caller: string;
  /** Base URLs of the destination's instances (https:// when tls is set). */
  instances: string[];
  tls?: PemBundle;
  policy?: Partial<MeshPolicy>;
  now?: () => number;
  onEvent?: (event: MeshEvent) => void;
}

export type MeshEvent =
  | { type: 'retry'; service: string; attempt: number; reason: string }
  | { type: 'eject'; service: string; instance: string; reason: string }
  | { type: 'breaker'; service: string; state: 'open' | 'half-open' | 'closed' }
  | { type: 'budget-exhausted'; service: string };

/** An attempt that failed in a way the policies must see. */
class AttemptError extends Error {
  readonly retryable: boolean;
  /** The instance shed the request to protect itself (503 OVERLOADED): alive, busy, not failing. */
  readonly shed: boolean;
  readonly response:
    | { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; upstream: string }
    | undefined;
  constructor(
    message: string,
    options: { retryable: boolean; shed?: boolean; cause?: unknown; response?: AttemptError['response'] },
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable;
    this.shed = options.shed ?? false;
    this.response = options.response;
  }
}

/**
 * Whether a 503 is an admission refusal (problem code OVERLOADED). Counting
 * those as failures opened the breaker on a healthy service that was only
 * shedding a flood (issue 13, attack 6), and kept every caller out for its
 * open period after the flood had stopped: the shedding already protects it.
 */
function isShed(status: number, body: Buffer): boolean {
  if (status !== 503 || body.length > 4096) return false;
  try {
    return (JSON.parse(body.toString('utf8')) as { code?: unknown }).code === 'OVERLOADED';
  } catch {
    return false;
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const tracer = trace.getTracer('shop-mesh');

/**
 * The mesh client: every service-to-service call goes through it. Per call:
 * a bulkhead (concurrency per destination), a circuit breaker (seed defaults),
 * retries with exponential backoff and full jitter only for idempotent or
 * idempotency-keyed requests (or ones that never left), under a retry budget;
 * per attempt: power-of-two-choices over instances not ejected, a timeout
 * bounded by the caller's deadline (sent along as x-request-timeout-ms), and
 * passive ejection of an instance on a connection failure (at once) or on
 * repeated 5xx or timeouts (while enough instances stay in rotation).
 * With `tls`, connections are mTLS and the server must prove the destination's
 * identity. It implements the platform's PeerClient, so callers do not change.
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
  const emit = options.onEvent ?? (() => undefined);
  const backends = new BackendSet(options.instances, policy.ejection);
  /** Consecutive soft failures (5xx, timeouts) per instance (weak: discovery replaces instances). */
  const strikes = new WeakMap<Backend, number>();
  function strike(backend: Backend, reason: string): void {
    const count = (strikes.get(backend) ?? 0) + 1;
    strikes.set(backend, count);
    if (count < policy.consecutiveFailuresToEject) return;
    if (!backends.ejectSoft(backend, now())) return;
    strikes.set(backend, 0);
    emit({ type: 'eject', service: options.service, instance: backend.url, reason: `${count} consecutive ${reason}` });
  }
  const budget = new RetryBudget({ ...policy.budget, now });
  const expected = spiffeId(options.service);
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    // Few, long-lived connections per instance: past them requests queue here
    // instead of opening more, because under overload a storm of new TLS
    // handshakes takes the CPU the requests needed (a metastable collapse).
    connections: policy.connectionsPerInstance,
    // A frozen or unreachable instance must not hold an attempt for undici's default 10 s.
    connect: { timeout: policy.connectTimeoutMs },
    ...(options.tls
      ? {
          connect: {
            timeout: policy.connectTimeoutMs,
            // One context for every connection: given PEMs instead, Node parses
            // them again for each new connection (a storm of them when an instance restarts).
            secureContext: createSecureContext({ ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key }),
            rejectUnauthorized: true,
            // The server must be the service we meant to call, not just anyone our CA signed.
            checkServerIdentity: (_host: string, cert: PeerCertificate) =>
              cert.subjectaltname?.split(', ').includes(`URI:${expected}`)
                ? undefined
                : new Error(`server is not ${expected}`),
          },
        }
      : {}),
  });

  const breakerPolicy = circuitBreaker(
    handleWhen((error) => error instanceof AttemptError && !error.shed),
    {
      breaker: new SamplingBreaker({
        threshold: policy.breaker.threshold,
        duration: policy.breaker.windowMs,
        minimumRps: policy.breaker.minimumRps,
      }),
      halfOpenAfter: policy.breaker.halfOpenAfterMs,
    },
  );
  breakerPolicy.onStateChange((state: CircuitState) => {
    const names = ['closed', 'open', 'half-open', 'open'] as const;
    emit({ type: 'breaker', service: options.service, state: names[state] ?? 'open' });
  });
  const retryPolicy = retry(
    handleWhen((error) => {
      if (!(error instanceof AttemptError) || !error.retryable) return false;
      if (budget.tryRetry()) return true;
      emit({ type: 'budget-exhausted', service: options.service });
      return false;
    }),
    {
      maxAttempts: policy.maxAttempts - 1,
      backoff: new ExponentialBackoff({
        generator: fullJitterGenerator,
        initialDelay: policy.backoff.initialMs,
        maxDelay: policy.backoff.maxMs,
      }),
    },
  );
  retryPolicy.onRetry((reason) =>
    emit({
      type: 'retry',
      service: options.service,
      attempt: 0,
      reason: 'error' in reason ? String((reason.error as Error).message) : 'result',
    }),
  );
  const bulkheadPolicy = bulkhead(policy.bulkhead.limit, policy.bulkhead.queue);
  const pipeline = wrap(bulkheadPolicy, breakerPolicy, retryPolicy);

  async function attempt(
    req: RawPeerRequest,
    deadline: number,
    tried: Set<Backend>,
    idempotent: boolean,
    streaming: boolean,
    hedgeable: boolean,
    lastAttempt: boolean,
  ): Promise<RawPeerResponse> {
    const remaining = deadline - now();
    if (remaining <= 0) {
      // Spent on failed attempts at this destination: its failure, which the breaker must count.
      if (tried.size > 0) throw new AttemptError(`${options.service} did not answer in time`, { retryable: false });
      throw new MeshError('DEADLINE_EXCEEDED', `No time left to call ${options.service}`);
    }
    const backend = backends.pick(now(), tried);
    if (!backend) throw new AttemptError(`no ${options.service} instance available`, { retryable: false });
    tried.add(backend);
    backend.outstanding += 1;
    // While a retry is still possible, an attempt takes at most half of what is
    // left, so a retry elsewhere still fits in the caller's deadline: nested
    // calls otherwise spend the whole budget they were handed on one slow instance.
    const timeout = hedgeable
      ? Math.min(policy.attemptTimeoutMs, lastAttempt ? remaining : Math.ceil(remaining / 2))
      : remaining;
    const sentAt = now();
    // The attempt's timeout runs from now, not from when a connection frees up:
    // undici's headersTimeout starts only once the request is on a socket, and
    // an aborted request still waits in the pool's queue until it gets one, so
    // a request queued behind a slow instance's busy connections would wait for
    // them with no bound at all. We stop waiting ourselves; undici drops the
    // request when it reaches a socket. (A streamed body is bounded by bodyTimeout.)
    const gaveUp = new AbortController();
    const timer = setTimeout(() => gaveUp.abort(), timeout);
    // The caller's signal may live as long as the process (a saga's "stopping"):
    // its listener goes when this attempt's answer is done with, or it would
    // keep every attempt ever made, and each new listener scans all the old ones.
    const callerGaveUp = (): void => gaveUp.abort();
    if (req.signal?.aborted) gaveUp.abort();
    else req.signal?.addEventListener('abort', callerGaveUp, { once: true });
    let handedOver = false;
    const stopped = new Promise<never>((_, reject) =>
      gaveUp.signal.addEventListener('abort', () => reject(new Error('attempt abandoned')), { once: true }),
    );
    stopped.catch(() => undefined);
    let answered = false;
    try {
      const pending = undiciRequest(backend.url + req.path, {
        dispatcher: agent,
        method: req.method,
        // This attempt's own deadline: the callee should not work past the moment we stop waiting for it.
        headers: {
          ...req.headers,
          'x-caller': options.caller,
          [DEADLINE_HEADER]: String(Math.max(1, streaming && req.bodyTimeoutMs === 0 ? remaining : timeout)),
        },
        body: req.body,
        signal: gaveUp.signal,
        headersTimeout: timeout,
        bodyTimeout: streaming ? (req.bodyTimeoutMs ?? timeout) : timeout,
      });
      // Should it answer after we stopped waiting, nobody reads it.
      pending
        .then((late) => (gaveUp.signal.aborted && !answered ? late.body.dump() : undefined))
        .catch(() => undefined);
      const response = await Promise.race([pending, stopped]);
      answered = true;
      clearTimeout(timer);
      // Time to headers: what the balancer weighs instances by (a streamed body may last minutes).
      if (!streaming || req.bodyTimeoutMs !== 0) backends.observe(backend, now() - sentAt, now());
      if (response.statusCode >= 500 && response.statusCode !== 501) {
        const body = Buffer.from(await response.body.arrayBuffer());
        const shed = isShed(response.statusCode, body);
        if (!shed) strike(backend, String(response.statusCode));
        throw new AttemptError(`${options.service} answered ${response.statusCode}`, {
          retryable: idempotent,
          shed,
          response: { status: response.statusCode, headers: response.headers, body, upstream: backend.url },
        });
      }
      strikes.set(backend, 0);
      backends.succeeded(backend, now());
      // Until the body is read or dropped, the caller giving up still stops it (a stream of events, say).
      handedOver = true;
      response.body.once('close', () => req.signal?.removeEventListener('abort', callerGaveUp));
      return { status: response.statusCode, headers: response.headers, body: response.body, upstream: backend.url };
    } catch (error) {
      if (error instanceof AttemptError || error instanceof MeshError) throw error;
      if (req.signal?.aborted) throw new MeshError('DEADLINE_EXCEEDED', 'The caller gave up', { cause: error });
      const code = (error as { code?: string }).code;
      // Queued for a connection or waiting for headers when its time ran out.
      const queuedOut = !answered && gaveUp.signal.aborted;
      const neverSent = code === 'ECONNREFUSED' || error instanceof undiciErrors.ConnectTimeoutError;
      const timedOut =
        queuedOut ||
        error instanceof undiciErrors.HeadersTimeoutError ||
        error instanceof undiciErrors.BodyTimeoutError;
      if (timedOut) {
        // The slowest answer there is: weighed at once, so the instance is
        // avoided as far as the others can take its share; out of rotation
        // only after repeated timeouts, and only while the rest can cope.
        backends.observe(backend, now() - sentAt, now());
        strike(backend, 'timeouts');
      } else {
        // Refused, reset or unreachable: the instance is gone.
        backends.eject(backend, now());
        emit({ type: 'eject', service: options.service, instance: backend.url, reason: code ?? (error as Error).name });
      }
      throw new AttemptError(
        `${options.service} at ${backend.url}: ${timedOut ? 'timed out' : (code ?? (error as Error).message)}`,
        { retryable: neverSent || idempotent, cause: error },
      );
    } finally {
      clearTimeout(timer);
      if (!handedOver) req.signal?.removeEventListener('abort', callerGaveUp);
      backend.outstanding -= 1;
    }
  }

  async function call(req: RawPeerRequest, streaming: boolean): Promise<RawPeerResponse> {
    const idempotent = req.idempotent ?? (IDEMPOTENT.has(req.method) || req.headers?.['idempotency-key'] !== undefined);
    // A write made safe only by its Idempotency-Key is not cut short by the
    // per-attempt timeout: while the first attempt still runs, a second one
    // only meets the key's in-flight lock (409). It is retried when it never
    // arrived or failed, within the whole call's budget.
    const hedgeable = req.idempotent ?? IDEMPOTENT.has(req.method);
    // Never past the deadline of the request being served (when there is one):
    // an inner call given the default 5 s would spend its caller's 2 s on one
    // slow instance and leave no time to retry elsewhere.
    const inherited = activeDeadline();
    const own = now() + (req.timeoutMs ?? policy.callTimeoutMs);
    const deadline = inherited === undefined ? own : Math.min(own, now() + (inherited - Date.now()));
    const tried = new Set<Backend>();
    budget.recordRequest();
    // One client span per call (retries are events on it); its context travels as traceparent.
    const span = tracer.startSpan(`${req.method} ${options.service}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': req.method,
        'url.path': req.path.split('?')[0] ?? req.path,
        'peer.service': options.service,
        'mesh.caller': options.caller,
      },
    });
    const headers: Record<string, string | string[] | undefined> = { ...req.headers };
    propagation.inject(trace.setSpan(context.active(), span), headers);
    const traced: RawPeerRequest = { ...req, headers };
    let attempts = 0;
    try {
      const response = await pipeline.execute(() => {
        // A retry prefers an instance not yet tried; once all were tried, any will do.
        if (tried.size >= backends.backends.length) tried.clear();
        attempts += 1;
        if (attempts > 1) span.addEvent('retry', { attempt: attempts });
        return attempt(traced, deadline, tried, idempotent, streaming, hedgeable, attempts >= policy.maxAttempts);
      });
      span.setAttributes({
        'http.response.status_code': response.status,
        'server.address': response.upstream,
        'mesh.attempts': attempts,
      });
      return response;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.setAttribute('mesh.attempts', attempts);
      if (error instanceof AttemptError && error.response) {
        const r = error.response;
        return {
          status: r.status,
          headers: r.headers,
          body: Readable.from([r.body]) as unknown as RawPeerResponse['body'],
          upstream: r.upstream,
        };
      }
      if (error instanceof MeshError) throw error;
      if (error instanceof BrokenCircuitError)
        throw new MeshError(
          'DEPENDENCY_UNAVAILABLE',
          `The ${options.service} service is failing; its circuit is open`,
          { retryAfter: Math.ceil(policy.breaker.halfOpenAfterMs / 1000), cause: error },
        );
      if (error instanceof BulkheadRejectedError)
        throw new MeshError('OVERLOADED', `Too many concurrent calls to ${options.service}`, { cause: error });
      const timedOut = error instanceof AttemptError && /timed out/.test(error.message);
      throw new MeshError(
        timedOut ? 'DEADLINE_EXCEEDED' : 'DEPENDENCY_UNAVAILABLE',
        `The ${options.service} service did not answer${timedOut ? ' in time' : ''}`,
        { cause: error },
      );
    } finally {
      span.end();
    }
  }

  return {
    service: options.service,
    breakerState: () => ['closed', 'open', 'half-open', 'isolated'][breakerPolicy.state] ?? 'unknown',
    instances: () => backends.backends.map((b) => b.url),
    update: (urls) => backends.replace(urls),
    requestRaw: (req) => call(req, true),
    async request<T>(req: PeerRequest): Promise<PeerResponse<T>> {
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
    },
    close: () => agent.close(),
  };
}

/**
 * A whole answer body in one buffer, from undici's body or the plain Readable
 * a kept 5xx answer is handed over as. (node:stream/consumers' buffer() goes
 * through a Blob: about 4x the CPU for a body of a few hundred bytes, paid by
 * every hop that relays a small answer whole.)
 */
export async function readWhole(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
