import type { Queryable } from '@shop/data';
import type { Role } from '../domain/roles.ts';

export interface Preferences {
  newsletter?: boolean;
  currency?: string;
  language?: string;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  preferences: Preferences;
  createdAt: Date;
  updatedAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  preferences: Preferences;
  created_at: Date;
  updated_at: Date;
  password_hash: string;
}

const COLUMNS = 'id, email, name, role, preferences, created_at, updated_at';

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    preferences: row.preferences,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Inserts a user; undefined when the email is taken. */
export async function insertUser(
  q: Queryable,
  user: { id: string; email: string; name: string; role: Role; passwordHash: string; signUpKey?: string },
): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(
    `INSERT INTO users (id, email, name, role, password_hash, signup_key) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (email) DO NOTHING
     RETURNING ${COLUMNS}`,
    [user.id, user.email, user.name, user.role, user.passwordHash, user.signUpKey ?? null],
  );
  return rows[0] && toRecord(rows[0]);
}

/** The account an email signed up with, with the Idempotency-Key of that sign-up (if it carried one). */
export async function findSignUp(
  q: Queryable,
  email: string,
): Promise<(UserRecord & { passwordHash: string; signUpKey: string | null }) | undefined> {
  const { rows } = await q.query<UserRow & { signup_key: string | null }>(
    `SELECT ${COLUMNS}, password_hash, signup_key FROM users WHERE email = $1`,
    [email],
  );
  const row = rows[0];
  return row && { ...toRecord(row), passwordHash: row.password_hash, signUpKey: row.signup_key };
}

export async function findUserByEmail(
  q: Queryable,
  email: string,
): Promise<(UserRecord & { passwordHash: string }) | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS}, password_hash FROM users WHERE email = $1`, [email]);
  const row = rows[0];
  return row && { ...toRecord(row), passwordHash: row.password_hash };
}

export async function findUserById(q: Queryable, id: string): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] && toRecord(rows[0]);
}

/**
 * Preferences are merged as a JSON merge patch: given keys replace, a null
 * removes the key, absent keys stay.
 */
export async function updateUser(
  q: Queryable,
  id: string,
  patch: { name?: string; preferences?: Record<string, unknown> },
): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(
    `UPDATE users
        SET name = COALESCE($2, name),
            preferences = jsonb_strip_nulls(preferences || COALESCE($3::jsonb, '{}'::jsonb)),
            updated_at = now()
      WHERE id = $1
      RETURNING ${COLUMNS}`,
    [id, patch.name ?? null, patch.preferences === undefined ? null : JSON.stringify(patch.preferences)],
  );
  return rows[0] && toRecord(rows[0]);
}

/** Serialises role changes and the bootstrap, so "is there another admin?" holds until commit. */
export async function lockRoles(q: Queryable): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtext('user:roles'))");
}

export async function countAdmins(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE role = 'admin'");
  return rows[0]?.n ?? 0;
}

export async function setRole(q: Queryable, id: string, role: Role): Promise<UserRecord | undefined> {
  const { rows } = await q.query<UserRow>(
    `UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, role],
  );
  return rows[0] && toRecord(rows[0]);
}
