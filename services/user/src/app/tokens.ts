import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Queryable } from '@shop/data';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@shop/auth';
import { createFamily, insertRefreshToken, newRefreshToken } from '../adapters/refreshTokens.ts';
import type { UserRecord } from '../adapters/users.ts';
import type { UserContext } from './context.ts';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  tokenType: 'Bearer';
}

/**
 * An access token exactly per @shop/auth's claims contract, signed by the
 * current key; `sid` names the session (refresh-token family) it was issued
 * in, so the end of that session (user.session_revoked) can end what the
 * token holds open.
 */
export async function signAccessToken(
  ctx: UserContext,
  user: Pick<UserRecord, 'id' | 'role' | 'email'>,
  sessionId: string,
): Promise<string> {
  const key = await ctx.keys.signingKey();
  const issuedAt = Math.floor(ctx.now() / 1000);
  return new SignJWT({ role: user.role, email: user.email, sid: sessionId })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(user.id)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + ctx.settings.accessTokenTtlSec)
    .sign(key.privateKey);
}

/** Issues an access token and the next refresh token of `familyId` (a new family when omitted). */
export async function issueTokenPair(
  ctx: UserContext,
  q: Queryable,
  user: UserRecord,
  familyId?: string,
): Promise<TokenPair> {
  const now = ctx.now();
  const family = familyId ?? (await createFamily(q, user.id, now));
  const refreshToken = newRefreshToken();
  await insertRefreshToken(q, {
    value: refreshToken,
    familyId: family,
    userId: user.id,
    now,
    ttlMs: ctx.settings.refreshTokenTtlMs,
  });
  return {
    accessToken: await signAccessToken(ctx, user, family),
    refreshToken,
    expiresIn: ctx.settings.accessTokenTtlSec,
    tokenType: 'Bearer',
  };
}
