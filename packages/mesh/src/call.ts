import { BrokenCircuitError, BulkheadRejectedError, type IPolicy, type IRetryContext } from 'cockatiel';
import type { Span } from '@opentelemetry/api';
import { activeCriticality } from './criticality.ts';
import { activeDeadline } from './deadline.ts';
import { asAnswer, AttemptFailure, failureCode } from './failure.ts';
import { spanAnswered, spanFailed, spanRetried, startCallSpan, tracedHeaders } from './tracing.ts';
import { MeshError, type RawPeerRequest, type RawPeerResponse } from './types.ts';
import type { BackendSet } from './backends.ts';
import type { CallPlan } from './attempt.ts';
import type { RetryBudget } from './retryBudget.ts';
import type { AdaptiveThrottle } from './throttle.ts';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** What every call to one destination shares. */
export interface CallTarget {
  service: string;
  caller: string;
  backends: BackendSet;
  budget: RetryBudget;
  throttle: AdaptiveThrottle;
  pipeline: IPolicy<IRetryContext>;
  attempt: (plan: CallPlan) => Promise<RawPeerResponse>;
  callTimeoutMs: number;
  halfOpenAfterMs: number;
  now: () => number;
}

/**
 * One call through the policies: its plan (idempotency, deadline), its client
 * span, the attempts, and what the caller gets: an answer (a kept 5xx
 * included, if no retry did better) or a MeshError the platform maps to its catalogue.
 */
export function makeCall(target: CallTarget): (req: RawPeerRequest, streaming: boolean) => Promise<RawPeerResponse> {
  return async function call(req, streaming) {
    target.budget.recordRequest();
    const span = startCallSpan(target.service, target.caller, req);
    const plan = planCall(target, req, streaming, span);
    try {
      // Before the policies: a call refused here was never sent, and inside them
      // a half-open breaker would count the refusal as a probe that succeeded.
      if (!target.throttle.admit(activeCriticality() === 'critical'))
        throw new MeshError('OVERLOADED', `The ${target.service} service refuses most calls; this one was not sent`, {
          retryAfter: 1,
        });
      const response = await target.pipeline.execute(() => next(target, plan, span));
      target.throttle.accepted();
      spanAnswered(span, response, plan.attempts);
      return response;
    } catch (error) {
      spanFailed(span, error, plan.attempts);
      if (!(error instanceof AttemptFailure && error.answer)) throw callError(target, error);
      if (!error.shed) target.throttle.accepted();
      return asAnswer(error.answer);
    }
  };
}

function planCall(target: CallTarget, req: RawPeerRequest, streaming: boolean, span: Span): CallPlan {
  const now = target.now();
  // Never past the deadline of the request being served (when there is one):
  // an inner call given the default 5 s would spend its caller's 2 s on one
  // slow instance and leave no time to retry elsewhere.
  const inherited = activeDeadline();
  const own = now + (req.timeoutMs ?? target.callTimeoutMs);
  return {
    req,
    headers: tracedHeaders(span, req.headers),
    deadline: inherited === undefined ? own : Math.min(own, now + (inherited - Date.now())),
    tried: new Set(),
    idempotent: req.idempotent ?? (IDEMPOTENT.has(req.method) || req.headers?.['idempotency-key'] !== undefined),
    // A write made safe only by its Idempotency-Key is not cut short by the
    // per-attempt timeout: while the first attempt still runs, a second one
    // only meets the key's in-flight lock (409). It is retried when it never
    // arrived or failed, within the whole call's budget.
    hedgeable: req.idempotent ?? IDEMPOTENT.has(req.method),
    streaming,
    attempts: 0,
  };
}

/** The next attempt of the call (run by the retry policy). */
function next(target: CallTarget, plan: CallPlan, span: Span): Promise<RawPeerResponse> {
  // A retry prefers an instance not yet tried; once all were tried, any will do.
  if (plan.tried.size >= target.backends.backends.length) plan.tried.clear();
  plan.attempts += 1;
  if (plan.attempts > 1) spanRetried(span, plan.attempts);
  return target.attempt(plan);
}

/** Why the call ends with no answer, in the mesh's terms. */
function callError(target: CallTarget, error: unknown): MeshError {
  if (error instanceof MeshError) return error;
  if (error instanceof BrokenCircuitError)
    return new MeshError('DEPENDENCY_UNAVAILABLE', `The ${target.service} service is failing; its circuit is open`, {
      retryAfter: Math.ceil(target.halfOpenAfterMs / 1000),
      cause: error,
    });
  if (error instanceof BulkheadRejectedError)
    return new MeshError('OVERLOADED', `Too many concurrent calls to ${target.service}`, { cause: error });
  const code = error instanceof AttemptFailure ? failureCode(error.kind) : 'DEPENDENCY_UNAVAILABLE';
  return new MeshError(
    code,
    `The ${target.service} service did not answer${code === 'DEADLINE_EXCEEDED' ? ' in time' : ''}`,
    { cause: error },
  );
}
