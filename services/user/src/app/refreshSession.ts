import { AppError } from '@shop/platform';
import { assessRefresh, revokesFamily, type RefreshVerdict } from '../domain/refreshToken.ts';
import type { UserContext } from './context.ts';
import { recordSessionEnded } from './sessionEvents.ts';
import { issueTokenPair, type TokenPair } from './tokens.ts';

/**
 * Spends a refresh token for a new pair in the same family, in one transaction
 * holding the family's row lock. Reuse of a spent token revokes the family;
 * the revocation (and its user.session_revoked event) commits even though the
 * request is refused.
 */
export async function refreshSession(
  ctx: UserContext,
  refreshToken: string,
  correlationId: string,
): Promise<TokenPair> {
  const now = ctx.now();
  const outcome = await ctx.store.transaction(async (unit): Promise<{ verdict: RefreshVerdict; pair?: TokenPair }> => {
    const { sessions, outbox } = unit;
    const stored = await sessions.lockToken(refreshToken);
    const verdict = assessRefresh(stored, now);
    if (!stored || verdict !== 'valid') {
      if (stored && revokesFamily(verdict) && (await sessions.revokeFamily(stored.familyId, now))) {
        await recordSessionEnded(outbox, { familyId: stored.familyId, userId: stored.userId }, correlationId);
      }
      return { verdict };
    }
    const user = await unit.users.findById(stored.userId);
    if (!user) return { verdict: 'unknown' };
    await sessions.markUsed(refreshToken, now);
    return { verdict, pair: await issueTokenPair(ctx, sessions, user, stored.familyId) };
  });
  if (outcome.pair) return outcome.pair;
  throw new AppError('UNAUTHENTICATED', { detail: refusal(outcome.verdict) });
}

function refusal(verdict: RefreshVerdict): string {
  switch (verdict) {
    case 'unknown':
    case 'valid':
      return 'The refresh token is not valid';
    case 'expired':
      return 'The refresh token has expired; sign in again';
    case 'revoked':
      return 'The session was ended; sign in again';
    case 'reused':
      return 'The refresh token was already used; the session has been ended for safety';
  }
}
