import { AppError } from '@shop/platform';
import { isPlausibleEmail, normaliseEmail } from '../domain/credentials.ts';
import type { UserContext } from './context.ts';
import { admitLogin, settleSuccessfulLogin } from './loginThrottle.ts';
import { issueTokenPair, type TokenPair } from './tokens.ts';

/**
 * Email and password for a new session. An unknown email and a wrong password
 * get the same answer after the same work (a dummy hash is verified), so the
 * endpoint does not reveal which accounts exist. `address` is the end client's
 * (request.clientAddress), never the gateway's: every client behind one
 * gateway would otherwise share one throttle.
 */
export async function logIn(
  ctx: UserContext,
  input: { email: string; password: string; address: string },
): Promise<TokenPair> {
  const account = normaliseEmail(input.email);
  const admission = await admitLogin(ctx, account, input.address);
  if (!admission.allowed) {
    throw new AppError('RATE_LIMITED', {
      retryAfter: admission.retryAfterSec,
      detail: 'Too many failed sign-in attempts; try again later',
    });
  }
  // Many recent failures of this account from anywhere: slow down, never refuse.
  if (admission.delayMs > 0) await ctx.sleep(admission.delayMs);
  const user = isPlausibleEmail(account) ? await ctx.store.users.findByEmail(account) : undefined;
  const ok = await ctx.passwords.verify(user?.passwordHash, input.password);
  if (!ok || !user) throw new AppError('UNAUTHENTICATED', { detail: 'The email or password is wrong' });
  return ctx.store.transaction(async (unit) => {
    await settleSuccessfulLogin(ctx, unit.throttle, { account, address: input.address });
    return issueTokenPair(ctx, unit.sessions, user);
  });
}
