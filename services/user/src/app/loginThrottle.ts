import type { Queryable } from '@shop/data';
import { counterId, lockCounters, saveCounter, type ThrottleKey } from '../adapters/loginThrottle.ts';
import { admit, refund, type ThrottlePolicy } from '../domain/throttle.ts';
import type { UserContext } from './context.ts';

export type LoginAdmission = { allowed: true } | { allowed: false; retryAfterSec: number };

function keysOf(account: string, ip: string): Array<{ key: ThrottleKey; policy: (ctx: UserContext) => ThrottlePolicy }> {
  return [
    { key: { scope: 'account', subject: account }, policy: (ctx) => ctx.settings.accountThrottle },
    { key: { scope: 'ip', subject: ip }, policy: (ctx) => ctx.settings.ipThrottle },
  ];
}

/**
 * Admits a login attempt, charging it to the account and the address up front
 * (as a failure until proven otherwise), or refuses it while either is locked.
 * A refused attempt is not charged.
 */
export async function admitLogin(ctx: UserContext, account: string, ip: string): Promise<LoginAdmission> {
  const now = ctx.now();
  const counters = keysOf(account, ip);
  return ctx.db.transaction(async (q) => {
    const states = await lockCounters(q, counters.map((c) => c.key), now);
    const verdicts = counters.map((c) => ({ ...c, verdict: admit(states.get(counterId(c.key)), now, c.policy(ctx)) }));
    const refusals = verdicts.flatMap((v) => (v.verdict.allowed ? [] : [v.verdict.retryAfterSec]));
    if (refusals.length > 0) return { allowed: false, retryAfterSec: Math.max(...refusals) };
    for (const v of verdicts) if (v.verdict.allowed) await saveCounter(q, v.key, v.verdict.next);
    return { allowed: true };
  });
}

/** A success clears the account's counter and refunds the address's charge. */
export async function settleSuccessfulLogin(ctx: UserContext, q: Queryable, account: string, ip: string): Promise<void> {
  const [accountCounter, ipCounter] = keysOf(account, ip);
  const states = await lockCounters(q, [accountCounter!.key, ipCounter!.key], ctx.now());
  await saveCounter(q, accountCounter!.key, undefined);
  const ipState = states.get(counterId(ipCounter!.key));
  if (ipState) await saveCounter(q, ipCounter!.key, refund(ipState, ctx.settings.ipThrottle));
}
