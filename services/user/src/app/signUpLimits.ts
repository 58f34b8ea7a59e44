import { AppError } from '@shop/platform';
import { countInWindow } from '../domain/rateLimit.ts';
import type { UserContext } from './context.ts';

function limited(retryAfterSec: number, detail: string): AppError {
  return new AppError('RATE_LIMITED', { retryAfter: retryAfterSec, detail });
}

/**
 * Before the hash: refuses a sign-up from a client address that has used its
 * sign-ups for the window (read unlocked; reserveSignUp settles races), then
 * one over this instance's rate. Both cost no hash and no email. The address
 * goes first so that a client already refused spends none of everyone's rate:
 * a flood from addresses past their limit leaves the rate to the others.
 */
export async function admitSignUp(ctx: UserContext, address: string): Promise<void> {
  const verdict = countInWindow(await ctx.store.signUps.read(address), ctx.now(), ctx.settings.signUpsPerAddress);
  if (!verdict.allowed) throw limited(verdict.retryAfterSec, 'Too many sign-ups from your address; try again later');
  const instance = ctx.signUps.take();
  if (!instance.allowed) throw limited(instance.retryAfterSec, 'Too many sign-ups right now; try again in a moment');
}

/** What reserveSignUp counted, for releaseSignUp to give back. */
export interface SignUpReservation {
  address: string;
  windowStartedAt: number;
}

/**
 * Counts the sign-up for its client address before its password is hashed,
 * or refuses it when parallel sign-ups from one address got past admitSignUp
 * together: counted after the hash, such a burst was hashed in full (each a
 * few hundred ms of a core) before all but five were refused.
 */
export async function reserveSignUp(ctx: UserContext, address: string): Promise<SignUpReservation> {
  return ctx.store.transaction(async ({ signUps }) => {
    const now = ctx.now();
    const verdict = countInWindow(await signUps.lock(address, now), now, ctx.settings.signUpsPerAddress);
    if (!verdict.allowed) throw limited(verdict.retryAfterSec, 'Too many sign-ups from your address; try again later');
    await signUps.save(address, verdict.next);
    return { address, windowStartedAt: verdict.next.windowStartedAt };
  });
}

/**
 * Gives back a reservation whose sign-up made no account (a taken email, a
 * replay, a failure): only accounts made count. A window that has since
 * started afresh owes nothing.
 */
export async function releaseSignUp(ctx: UserContext, reservation: SignUpReservation): Promise<void> {
  await ctx.store.transaction(async ({ signUps }) => {
    const count = await signUps.lock(reservation.address, ctx.now());
    if (count && count.windowStartedAt === reservation.windowStartedAt && count.count > 0)
      await signUps.save(reservation.address, { ...count, count: count.count - 1 });
  });
}
