import { request as undiciRequest, type Dispatcher } from 'undici';
import { AttemptFailure, asAnswer, failureKindOf, failureLabel } from './failure.ts';
import { AttemptWait } from './attemptWait.ts';
import { activeCriticality, CRITICALITY_HEADER } from './criticality.ts';
import { DEADLINE_HEADER } from './deadline.ts';
import { MeshError, type RawPeerRequest, type RawPeerResponse } from './types.ts';
import type { Backend, BackendSet } from './backends.ts';
import type { PassiveEjection } from './ejection.ts';

/** One call's state across its attempts: made once per call, read (and `tried`, `attempts` updated) by each attempt. */
export interface CallPlan {
  req: RawPeerRequest;
  /** The request's headers with the call's trace context. */
  headers: Record<string, string | string[] | undefined>;
  /** Epoch ms: no attempt runs past it. */
  deadline: number;
  /** Instances tried by this call: a retry prefers another. */
  tried: Set<Backend>;
  /** Safe to retry after it may have arrived (method, Idempotency-Key, or the caller's say). */
  idempotent: boolean;
  /** Safe to cut short and send again while the first still runs (method or the caller's say, not the key). */
  hedgeable: boolean;
  /** The caller reads the body as a stream (requestRaw). */
  streaming: boolean;
  /** Attempts started, this one included. */
  attempts: number;
}

/** What every attempt at one destination shares. */
export interface AttemptTarget {
  service: string;
  caller: string;
  dispatcher: Dispatcher;
  backends: BackendSet;
  ejection: PassiveEjection;
  attemptTimeoutMs: number;
  maxAttempts: number;
  now: () => number;
}

/**
 * One attempt of a call: power of two choices over the instances not ejected
 * (preferring one not yet tried), a timeout bounded by the call's deadline
 * (sent along as x-request-timeout-ms), and the instance's health updated from
 * the outcome. Throws an AttemptFailure the policies judge, or a MeshError
 * that ends the call (no time left, or the caller gave up).
 */
export function makeAttempt(target: AttemptTarget): (plan: CallPlan) => Promise<RawPeerResponse> {
  const { backends, now } = target;
  return async function attempt(plan) {
    const remaining = plan.deadline - now();
    if (remaining <= 0) throw outOfTime(target.service, plan);
    const backend = backends.pick(now(), plan.tried);
    if (!backend)
      throw new AttemptFailure('unavailable', `no ${target.service} instance available`, { retryable: false });
    plan.tried.add(backend);
    backend.outstanding += 1;
    const sentAt = now();
    const wait = new AttemptWait(plan.req.signal, attemptTimeout(target, plan, remaining), remaining);
    let handedOver = false;
    try {
      const pending = send(target, plan, backend, wait);
      wait.dropLate(pending);
      const response = await Promise.race([pending, wait.stopped]);
      wait.arrived();
      // Time to headers: what the balancer weighs instances by (a streamed body may last minutes).
      if (!plan.streaming || plan.req.bodyTimeoutMs !== 0) backends.observe(backend, now() - sentAt, now());
      const answer = await judge(target, plan, backend, response);
      // Until the body is read or dropped, the caller giving up still stops it (a stream of events, say);
      // an answer judge() already read whole needs nothing more.
      if (answer.body === response.body) {
        handedOver = true;
        response.body.once('close', () => wait.release());
      }
      return answer;
    } catch (error) {
      throw failed(target, { plan, backend, error, wait, sentAt });
    } finally {
      if (!handedOver) wait.release();
      backend.outstanding -= 1;
    }
  };
}

/**
 * While a retry is still possible, an attempt takes at most half of what is
 * left, so a retry elsewhere still fits in the caller's deadline: nested
 * calls otherwise spend the whole budget they were handed on one slow instance.
 */
function attemptTimeout(target: AttemptTarget, plan: CallPlan, remaining: number): number {
  if (!plan.hedgeable) return remaining;
  const lastAttempt = plan.attempts >= target.maxAttempts;
  return Math.min(target.attemptTimeoutMs, lastAttempt ? remaining : Math.ceil(remaining / 2));
}

/** The call's time is gone before this attempt could start. */
function outOfTime(service: string, plan: CallPlan): Error {
  // Spent on failed attempts at this destination: its failure, which the breaker must count.
  if (plan.tried.size > 0)
    return new AttemptFailure('unavailable', `${service} did not answer in time`, { retryable: false });
  return new MeshError('DEADLINE_EXCEEDED', `No time left to call ${service}`);
}

function send(target: AttemptTarget, plan: CallPlan, backend: Backend, wait: AttemptWait) {
  const { req, streaming } = plan;
  const timeout = wait.timeoutMs;
  return undiciRequest(backend.url + req.path, {
    dispatcher: target.dispatcher,
    method: req.method,
    // This attempt's own deadline: the callee should not work past the moment we stop waiting for it.
    headers: {
      ...plan.headers,
      'x-caller': target.caller,
      // The request being served says how much this call matters; without one, the callee's default.
      [CRITICALITY_HEADER]: activeCriticality(),
      [DEADLINE_HEADER]: String(Math.max(1, streaming && req.bodyTimeoutMs === 0 ? wait.remainingMs : timeout)),
    },
    body: req.body,
    signal: wait.signal,
    headersTimeout: timeout,
    // A streamed body is bounded by bodyTimeout, between chunks.
    bodyTimeout: streaming ? (req.bodyTimeoutMs ?? timeout) : timeout,
  });
}

/**
 * An answer that came. A 5xx (other than 501) is a failure of the attempt, with
 * the answer kept in case no retry does better, unless it speaks for a deeper
 * failure (see ON_BEHALF): then it is the answer.
 */
async function judge(
  target: AttemptTarget,
  plan: CallPlan,
  backend: Backend,
  response: Dispatcher.ResponseData,
): Promise<RawPeerResponse> {
  if (response.statusCode < 500 || response.statusCode === 501) {
    target.ejection.cleared(backend);
    return { status: response.statusCode, headers: response.headers, body: response.body, upstream: backend.url };
  }
  const body = Buffer.from(await response.body.arrayBuffer());
  const answer = { status: response.statusCode, headers: response.headers, body, upstream: backend.url };
  const code = problemCode(body);
  if (code !== undefined && ON_BEHALF.has(code)) return asAnswer(answer);
  if (response.statusCode === 503 && code === 'OVERLOADED')
    // Refused before any work: safe to send elsewhere, whatever the method, but never again to this one.
    throw new AttemptFailure('status', `${target.service} is shedding load`, {
      retryable: hasUntried(target, plan),
      shed: true,
      answer,
    });
  target.ejection.strike(backend, String(response.statusCode));
  throw new AttemptFailure('status', `${target.service} answered ${response.statusCode}`, {
    retryable: plan.idempotent,
    answer,
  });
}

/**
 * Problem codes by which an instance reports that something it depends on
 * failed or ran out of time. The instance is well, and it already retried what
 * it called within its own budget: retrying it too would multiply the attempts
 * at the failing service with every layer (the SRE book's one retry layer), and
 * counting it would open this caller's breaker for a failure one hop further.
 */
const ON_BEHALF: ReadonlySet<string> = new Set(['DEPENDENCY_UNAVAILABLE', 'DEADLINE_EXCEEDED']);

function hasUntried(target: AttemptTarget, plan: CallPlan): boolean {
  return target.backends.available(target.now()).some((b) => !plan.tried.has(b));
}

/** The catalogue code of a problem+json body (a small one), if that is what it is. */
export function problemCode(body: Buffer): string | undefined {
  if (body.length > 4096) return undefined;
  try {
    const code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

interface Failed {
  plan: CallPlan;
  backend: Backend;
  error: unknown;
  wait: AttemptWait;
  sentAt: number;
}

/** A transport failure (or the attempt's own timeout): the instance judged by its kind, and the error for the policies. */
function failed(target: AttemptTarget, { plan, backend, error, wait, sentAt }: Failed): Error {
  if (error instanceof AttemptFailure || error instanceof MeshError) return error;
  if (plan.req.signal?.aborted) return new MeshError('DEADLINE_EXCEEDED', 'The caller gave up', { cause: error });
  // Queued for a connection or waiting for headers when its time ran out.
  const kind = wait.timedOut ? 'timeout' : failureKindOf(error);
  if (kind === 'timeout') {
    // The slowest answer there is: weighed at once, so the instance is
    // avoided as far as the others can take its share; out of rotation
    // only after repeated timeouts, and only while the rest can cope.
    target.backends.observe(backend, target.now() - sentAt, target.now());
    target.ejection.strike(backend, 'timeouts');
  } else {
    // Refused, reset or unreachable: the instance is gone.
    target.ejection.drop(backend, failureLabel(error));
  }
  const what = kind === 'timeout' ? 'timed out' : (codeOf(error) ?? (error as Error).message);
  return new AttemptFailure(kind, `${target.service} at ${backend.url}: ${what}`, {
    retryable: kind === 'refused' || plan.idempotent,
    cause: error,
  });
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
