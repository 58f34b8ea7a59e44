import type { SessionRepository, UserRecord } from '../domain/ports.ts';
import type { UserContext } from './context.ts';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  tokenType: 'Bearer';
}

/** Issues an access token and the next refresh token of `familyId` (a new family when omitted), on the sessions' transaction. */
export async function issueTokenPair(
  ctx: UserContext,
  sessions: SessionRepository,
  user: UserRecord,
  familyId?: string,
): Promise<TokenPair> {
  const now = ctx.now();
  const family = familyId ?? (await sessions.createFamily(user.id, now));
  const refreshToken = await sessions.issueToken({
    familyId: family,
    userId: user.id,
    now,
    ttlMs: ctx.settings.refreshTokenTtlMs,
  });
  const ttlSec = ctx.settings.accessTokenTtlSec;
  return {
    accessToken: await ctx.tokens.sign(user, family, { now, ttlSec }),
    refreshToken,
    expiresIn: ttlSec,
    tokenType: 'Bearer',
  };
}
