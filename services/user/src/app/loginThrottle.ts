import type { ThrottleRepository } from '../domain/ports.ts';
import { admit, counterId, currentState, delayAttempt, refund, type ThrottleKey } from '../domain/throttle.ts';
import type { UserContext } from './context.ts';

export type LoginAdmission = { allowed: true; delayMs: number } | { allowed: false; retryAfterSec: number };

/**
 * The counters a login attempt is charged to (docs/decisions/0004-login-throttling.md):
 * the client address and the account from that address can be locked (the
 * party counted is the one guessing); the account across all addresses is
 * only delayed, so nobody can lock a victim out from addresses of their own.
 */
function countersOf(
  account: string,
  address: string,
): { address: ThrottleKey; accountFromAddress: ThrottleKey; account: ThrottleKey } {
  return {
    address: { scope: 'ip', subject: address },
    accountFromAddress: { scope: 'account_ip', subject: `${address} ${account}` },
    account: { scope: 'account', subject: account },
  };
}

/**
 * Admits a login attempt, charging it up front (as a failure until proven
 * otherwise), with the delay it must wait before its password is checked; or
 * refuses it while its address, or the account from its address, is locked.
 * A refused attempt is not charged, and never touches the account's own
 * counter: a locked-out guesser's attempts queue on no row the account's
 * owner needs. Counters are always locked in one order (the address's two,
 * then the account's) so that concurrent attempts cannot deadlock.
 *
 * The account's counter counts addresses, not attempts: it is charged by an
 * address's first attempt at the account in the window. One address reaches
 * its own lock long before it could slow the owner; only many addresses can.
 */
export async function admitLogin(ctx: UserContext, account: string, address: string): Promise<LoginAdmission> {
  const now = ctx.now();
  const keys = countersOf(account, address);
  return ctx.store.transaction(async ({ throttle }) => {
    const states = await throttle.lock([keys.address, keys.accountFromAddress], now);
    const fromAddress = states.get(counterId(keys.accountFromAddress));
    const locks = [
      { key: keys.address, verdict: admit(states.get(counterId(keys.address)), now, ctx.settings.ipThrottle) },
      { key: keys.accountFromAddress, verdict: admit(fromAddress, now, ctx.settings.accountThrottle) },
    ];
    const refusals = locks.flatMap((l) => (l.verdict.allowed ? [] : [l.verdict.retryAfterSec]));
    if (refusals.length > 0) return { allowed: false, retryAfterSec: Math.max(...refusals) };
    for (const l of locks) if (l.verdict.allowed) await throttle.save(l.key, l.verdict.next);
    const newAddress = currentState(fromAddress, now, ctx.settings.accountThrottle).failures === 0;
    const accountState = (await throttle.lock([keys.account], now)).get(counterId(keys.account));
    const delay = delayAttempt(accountState, now, ctx.settings.accountDelay);
    if (newAddress) await throttle.save(keys.account, delay.next);
    return { allowed: true, delayMs: delay.delayMs };
  });
}

/** A success clears the account's counters and refunds the address's charge (locking in admitLogin's order). */
export async function settleSuccessfulLogin(
  ctx: UserContext,
  throttle: ThrottleRepository,
  attempt: { account: string; address: string },
): Promise<void> {
  const keys = countersOf(attempt.account, attempt.address);
  const states = await throttle.lock([keys.address, keys.accountFromAddress], ctx.now());
  await throttle.lock([keys.account], ctx.now());
  await throttle.save(keys.accountFromAddress, undefined);
  await throttle.save(keys.account, undefined);
  const addressState = states.get(counterId(keys.address));
  if (addressState) await throttle.save(keys.address, refund(addressState, ctx.settings.ipThrottle));
}
