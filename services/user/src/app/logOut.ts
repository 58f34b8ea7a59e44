import { revokeFamilyOfToken } from '../adapters/refreshTokens.ts';
import type { UserContext } from './context.ts';

/** Ends the session (refresh-token family) a token belongs to. Idempotent; an unknown token is a no-op. */
export async function logOut(ctx: UserContext, refreshToken: string): Promise<void> {
  await revokeFamilyOfToken(ctx.db, refreshToken, ctx.now());
}
