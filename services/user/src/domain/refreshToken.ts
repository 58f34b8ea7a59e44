/**
 * Refresh-token family rules. A login starts a family; each refresh spends its
 * token and issues the next one in the same family. A spent token presented
 * again means two parties hold the family (theft, or a replayed request), and
 * the whole family is revoked: the legitimate holder signs in again.
 */
export interface StoredRefreshToken {
  expiresAt: number;
  usedAt: number | undefined;
  familyRevokedAt: number | undefined;
}

export type RefreshVerdict = 'unknown' | 'revoked' | 'reused' | 'expired' | 'valid';

export function assessRefresh(token: StoredRefreshToken | undefined, now: number): RefreshVerdict {
  if (!token) return 'unknown';
  if (token.familyRevokedAt !== undefined) return 'revoked';
  if (token.usedAt !== undefined) return 'reused';
  if (token.expiresAt <= now) return 'expired';
  return 'valid';
}

/** Only reuse is evidence of a second holder; the other refusals change nothing. */
export function revokesFamily(verdict: RefreshVerdict): boolean {
  return verdict === 'reused';
}
