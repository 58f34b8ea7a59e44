import { AppError } from '@shop/platform';
import { admitCheckout, type DeclinePolicy, type DeclineScope } from '../domain/declineLimit.ts';
import type { DeclineLog, OrderUnit } from '../domain/ports.ts';

/** The card-testing limit's parts: where declines are kept, the limits, and the clock both sides use. */
export interface DeclineLimits {
  log: DeclineLog;
  policy: Record<DeclineScope, DeclinePolicy>;
  now: () => number;
}

/**
 * Before a new checkout creates its order (so before any stock is reserved or
 * any card charged): refused with 429 and Retry-After while the user, or the
 * client address (`address`, as addressKey() gives it), has had its limit of
 * declined payments within the window. The count is of settled declines:
 * checkouts still in flight are not counted, so parallel checkouts started
 * before the first decline settles all get through (the gateway's per-user
 * rate bounds them).
 */
export async function admitNewCheckout(limits: DeclineLimits, userId: string, address: string | null): Promise<void> {
  const now = limits.now();
  const windowMs = Math.max(limits.policy.user.windowMs, limits.policy.address.windowMs);
  const recent = await limits.log.recent({ userId, address }, now - windowMs, {
    user: limits.policy.user.max,
    address: limits.policy.address.max,
  });
  const verdict = admitCheckout(recent, now, limits.policy);
  if (verdict.allowed) return;
  throw new AppError('RATE_LIMITED', {
    retryAfter: verdict.retryAfterSec,
    detail: 'Too many declined payments; checkout is paused for a while. Nothing was ordered or charged.',
  });
}

/** In the transaction that saves the order's move after its payment was declined. */
export function recordDecline(
  limits: Pick<DeclineLimits, 'now'>,
  orderId: string,
): (unit: Pick<OrderUnit, 'declines'>) => Promise<void> {
  return (unit) => unit.declines.record(orderId, limits.now());
}
