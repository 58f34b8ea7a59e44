import type { UserContext } from './context.ts';
import { recordSessionEnded } from './sessionEvents.ts';

/**
 * Ends the session (refresh-token family) a token belongs to, and records
 * user.session_revoked with it. Idempotent: an unknown token, or a session
 * already ended, changes nothing and records nothing.
 */
export async function logOut(ctx: UserContext, refreshToken: string, correlationId: string): Promise<void> {
  await ctx.store.transaction(async ({ sessions, outbox }) => {
    const ended = await sessions.revokeFamilyOfToken(refreshToken, ctx.now());
    if (ended) await recordSessionEnded(outbox, ended, correlationId);
  });
}
