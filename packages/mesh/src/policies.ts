import {
  ExponentialBackoff,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IPolicy,
  type IRetryContext,
} from 'cockatiel';
import type { MeshListener } from './events.ts';
import { AttemptFailure } from './failure.ts';
import type { MeshPolicy } from './policy.ts';
import type { RetryBudget } from './retryBudget.ts';

/** The per-call policies of one destination, outermost first: bulkhead, breaker, retries. */
export interface Policies {
  pipeline: IPolicy<IRetryContext>;
  breaker: CircuitBreakerPolicy;
}

/**
 * Builds the pipeline with cockatiel: a bulkhead (concurrency per
 * destination), a sampling circuit breaker that counts failed attempts but not
 * shed ones, and retries with exponential backoff and full jitter for
 * retryable failures while the retry budget allows. Their events reach
 * `listener`; without one, none is subscribed.
 */
export function createPolicies(policy: MeshPolicy, budget: RetryBudget, listener?: MeshListener): Policies {
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof AttemptFailure && !error.shed),
    {
      breaker: new SamplingBreaker({
        threshold: policy.breaker.threshold,
        duration: policy.breaker.windowMs,
        minimumRps: policy.breaker.minimumRps,
      }),
      halfOpenAfter: policy.breaker.halfOpenAfterMs,
    },
  );
  const retries = retry(
    handleWhen((error) => {
      if (!(error instanceof AttemptFailure) || !error.retryable) return false;
      if (budget.tryRetry()) return true;
      listener?.onBudgetExhausted?.();
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
  if (listener) listen(listener, breaker, retries);
  return { pipeline: wrap(bulkhead(policy.bulkhead.limit, policy.bulkhead.queue), breaker, retries), breaker };
}

function listen(listener: MeshListener, breaker: CircuitBreakerPolicy, retries: ReturnType<typeof retry>): void {
  if (listener.onBreak) breaker.onBreak(() => listener.onBreak?.());
  if (listener.onHalfOpen) breaker.onHalfOpen(() => listener.onHalfOpen?.());
  if (listener.onReset) breaker.onReset(() => listener.onReset?.());
  if (listener.onRetry)
    retries.onRetry((event) => {
      if ('error' in event && event.error instanceof AttemptFailure) listener.onRetry?.(event.attempt, event.error);
    });
}

/** The breaker's state by name, for status pages. */
export function breakerStateName(breaker: CircuitBreakerPolicy): string {
  return ['closed', 'open', 'half-open', 'isolated'][breaker.state] ?? 'unknown';
}
