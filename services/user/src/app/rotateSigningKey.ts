import type { UserContext } from './context.ts';

/**
 * Makes a new key the signing key. Earlier keys stay published until every
 * token they signed has expired, so nobody is logged out by a rotation.
 */
export function rotateSigningKey(ctx: UserContext): Promise<{ kid: string; createdAt: Date }> {
  return ctx.keys.rotate();
}
