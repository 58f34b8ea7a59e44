import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseUnavailableError, PoolExhaustedError } from '@shop/data';
import type { Delivery, SubscribeOptions } from './bus.ts';
import type { Envelope } from './envelope.ts';
import { applyOnce } from './inbox.ts';

/** The shared delivery rules of every backend's consumer. */

export const defaultBackoff = (attempt: number): number => Math.min(5000, 100 * 2 ** (attempt - 1));

/** The consumer's own database is unreachable or saturated: not the event's fault, so no attempt is counted. */
export function isOutage(error: unknown): boolean {
  return error instanceof DatabaseUnavailableError || error instanceof PoolExhaustedError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Merges the event's HLC timestamp into the consumer's clock, so its own later timestamps are greater. */
export function observeClock(options: Pick<SubscribeOptions, 'clock'>, event: Envelope): void {
  if (!event.hlc || !options.clock) return;
  try {
    options.clock.update(event.hlc);
  } catch {
    // A malformed clock from a producer must not stop consumption; the timestamp is advisory here.
  }
}

export type Outcome =
  | { outcome: 'done'; attempts: number }
  | { outcome: 'dead'; error: string; attempts: number }
  | { outcome: 'stopped'; attempts: number };

/**
 * Delivers one event in process until it is applied (or found a duplicate),
 * out of attempts, or `signal` stops it: handler failures count as attempts
 * and wait `backoff`; outages wait without counting. `control.onRetry` runs
 * before each retry (keep a lease alive there).
 */
export async function applyWithRetries(
  options: Pick<SubscribeOptions, 'db' | 'handle' | 'accepts' | 'logger' | 'maxAttempts' | 'backoff'>,
  event: Envelope,
  where: Omit<Delivery, 'attempt'>,
  control: { signal: AbortSignal; onRetry?: () => Promise<void> },
): Promise<Outcome> {
  const { signal, onRetry = () => Promise.resolve() } = control;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = options.backoff ?? defaultBackoff;
  let attempt = 1;
  for (;;) {
    if (signal.aborted) return { outcome: 'stopped', attempts: attempt - 1 };
    try {
      await applyOnce(options.db, event, { ...where, attempt }, options);
      return { outcome: 'done', attempts: attempt };
    } catch (error) {
      const outage = isOutage(error);
      if (!outage && attempt >= maxAttempts) return { outcome: 'dead', error: errorMessage(error), attempts: attempt };
      options.logger.warn(
        { eventId: event.id, type: event.type, attempt, outage, err: errorMessage(error) },
        'event handler failed; retrying',
      );
      await sleep(backoff(attempt), undefined, { signal }).catch(() => undefined);
      if (!outage) attempt += 1;
      await onRetry().catch(() => undefined);
    }
  }
}
