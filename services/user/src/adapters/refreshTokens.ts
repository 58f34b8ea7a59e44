import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '@shop/data';
import type { EndedSession, LockedRefreshToken, SessionRepository } from '../domain/ports.ts';

/** Refresh tokens are 32 random bytes, base64url; only their SHA-256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

interface LockedRow {
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Refresh-token families and tokens, on the caller's transaction. */
export class SqlSessions implements SessionRepository {
  readonly #q: Queryable;

  constructor(q: Queryable) {
    this.#q = q;
  }

  async createFamily(userId: string, now: number): Promise<string> {
    const id = randomUUID();
    await this.#q.query('INSERT INTO refresh_families (id, user_id, created_at) VALUES ($1, $2, $3)', [
      id,
      userId,
      new Date(now),
    ]);
    return id;
  }

  async issueToken(token: { familyId: string; userId: string; now: number; ttlMs: number }): Promise<string> {
    const value = newRefreshToken();
    await this.#q.query(
      'INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [hashRefreshToken(value), token.familyId, token.userId, new Date(token.now), new Date(token.now + token.ttlMs)],
    );
    return value;
  }

  /**
   * Reads a token with its family, both rows locked for the rest of the
   * transaction: refreshes and revocations of one family are serialised, so of
   * two concurrent uses one sees the other's effect.
   */
  async lockToken(token: string): Promise<LockedRefreshToken | undefined> {
    const { rows } = await this.#q.query<LockedRow>(
      `SELECT t.family_id, t.user_id, t.expires_at, t.used_at, f.revoked_at
         FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id
        WHERE t.token_hash = $1
          FOR UPDATE`,
      [hashRefreshToken(token)],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      familyId: row.family_id,
      userId: row.user_id,
      expiresAt: row.expires_at.getTime(),
      usedAt: row.used_at?.getTime(),
      familyRevokedAt: row.revoked_at?.getTime(),
    };
  }

  async markUsed(token: string, now: number): Promise<void> {
    await this.#q.query('UPDATE refresh_tokens SET used_at = $2 WHERE token_hash = $1', [
      hashRefreshToken(token),
      new Date(now),
    ]);
  }

  async revokeFamily(familyId: string, now: number): Promise<boolean> {
    const { rowCount } = await this.#q.query(
      'UPDATE refresh_families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL',
      [familyId, new Date(now)],
    );
    return (rowCount ?? 0) > 0;
  }

  async revokeFamilyOfToken(token: string, now: number): Promise<EndedSession | undefined> {
    const { rows } = await this.#q.query<{ id: string; user_id: string }>(
      'UPDATE refresh_families SET revoked_at = $2 WHERE id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL RETURNING id, user_id',
      [hashRefreshToken(token), new Date(now)],
    );
    const row = rows[0];
    return row && { familyId: row.id, userId: row.user_id };
  }

  async revokeFamiliesOfUser(userId: string, now: number): Promise<EndedSession[]> {
    const { rows } = await this.#q.query<{ id: string }>(
      'UPDATE refresh_families SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id',
      [userId, new Date(now)],
    );
    return rows.map((row) => ({ familyId: row.id, userId }));
  }
}
