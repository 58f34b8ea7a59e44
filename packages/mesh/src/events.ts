import type { AttemptFailure } from './failure.ts';

/**
 * What the mesh client tells about one destination, as it happens: typed
 * events of its policies (cockatiel's retry and breaker) and of its passive
 * ejection. Logs and metrics listen here; with no listener, nothing is built.
 */
export interface MeshListener {
  /** A failed attempt is retried; `attempt` is the retry's number (1 for the first retry). */
  onRetry?(attempt: number, reason: AttemptFailure): void;
  /** The breaker opened: calls fail at once until it half-opens. */
  onBreak?(): void;
  /** The breaker lets one trial call through. */
  onHalfOpen?(): void;
  /** The breaker closed again. */
  onReset?(): void;
  /** An instance left rotation for a while. */
  onEject?(instance: string, reason: string): void;
  /** A retry was wanted but the retry budget had none left. */
  onBudgetExhausted?(): void;
}

/** The events as one plain-object stream (what services log and the bench counts). */
export type MeshEvent =
  | { type: 'retry'; service: string; attempt: number; reason: string }
  | { type: 'eject'; service: string; instance: string; reason: string }
  | { type: 'breaker'; service: string; state: 'open' | 'half-open' | 'closed' }
  | { type: 'budget-exhausted'; service: string };

/** A listener that turns each typed event into a MeshEvent for `onEvent`. */
export function eventStream(service: string, onEvent: (event: MeshEvent) => void): MeshListener {
  return {
    onRetry: (attempt, reason) => onEvent({ type: 'retry', service, attempt, reason: reason.message }),
    onBreak: () => onEvent({ type: 'breaker', service, state: 'open' }),
    onHalfOpen: () => onEvent({ type: 'breaker', service, state: 'half-open' }),
    onReset: () => onEvent({ type: 'breaker', service, state: 'closed' }),
    onEject: (instance, reason) => onEvent({ type: 'eject', service, instance, reason }),
    onBudgetExhausted: () => onEvent({ type: 'budget-exhausted', service }),
  };
}

/** Several listeners as one; undefined when there are none, so nothing is subscribed at all. */
export function combineListeners(listeners: Array<MeshListener | undefined>): MeshListener | undefined {
  const present = listeners.filter((l): l is MeshListener => l !== undefined);
  if (present.length <= 1) return present[0];
  const each =
    <K extends keyof MeshListener>(key: K) =>
    (...args: Parameters<NonNullable<MeshListener[K]>>): void => {
      for (const listener of present) (listener[key] as ((...a: typeof args) => void) | undefined)?.(...args);
    };
  return {
    onRetry: each('onRetry'),
    onBreak: each('onBreak'),
    onHalfOpen: each('onHalfOpen'),
    onReset: each('onReset'),
    onEject: each('onEject'),
    onBudgetExhausted: each('onBudgetExhausted'),
  };
}
