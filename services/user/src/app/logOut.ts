import { revokeFamilyOfToken } from '../adapters/refreshTokens.ts';
import type { UserContext } from './context.ts';
import { recordSessionEnded } from './sessionEvents.ts';

/**
 * Ends the session (refresh-token family) a token belongs to, and records
 * user.session_revoked with it. Idempotent: an unknown token, or a session
 * already ended, changes nothing and records nothing.
 */
export async function logOut(ctx: UserContext, refreshToken: string, correlationId: string): Promise<void> {
  await ctx.db.transaction(async (q) => {
    const ended = await revokeFamilyOfToken(q, refreshToken, ctx.now());
    if (ended) await recordSessionEnded(q, ended, correlationId);
  });
}
