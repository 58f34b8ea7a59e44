import type { Queryable } from '@shop/data';
import type { NewUser, PreferencesPatch, UserRecord, UserRepository } from '../domain/ports.ts';
import type { Role } from '../domain/roles.ts';

/** The columns of a UserRecord, named as its fields: rows need no mapping. */
const COLUMNS = 'id, email, name, role, preferences, created_at AS "createdAt", updated_at AS "updatedAt"';
const CREDENTIALS = 'password_hash AS "passwordHash"';

/** The users table, on the caller's transaction (or the primary). */
export class SqlUsers implements UserRepository {
  readonly #q: Queryable;

  constructor(q: Queryable) {
    this.#q = q;
  }

  async insert(user: NewUser): Promise<UserRecord | undefined> {
    const { rows } = await this.#q.query<UserRecord>(
      `INSERT INTO users (id, email, name, role, password_hash, signup_key) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (email) DO NOTHING
       RETURNING ${COLUMNS}`,
      [user.id, user.email, user.name, user.role, user.passwordHash, user.signUpKey ?? null],
    );
    return rows[0];
  }

  async findSignUp(
    email: string,
  ): Promise<(UserRecord & { passwordHash: string; signUpKey: string | null }) | undefined> {
    const { rows } = await this.#q.query<UserRecord & { passwordHash: string; signUpKey: string | null }>(
      `SELECT ${COLUMNS}, ${CREDENTIALS}, signup_key AS "signUpKey" FROM users WHERE email = $1`,
      [email],
    );
    return rows[0];
  }

  async findByEmail(email: string): Promise<(UserRecord & { passwordHash: string }) | undefined> {
    const { rows } = await this.#q.query<UserRecord & { passwordHash: string }>(
      `SELECT ${COLUMNS}, ${CREDENTIALS} FROM users WHERE email = $1`,
      [email],
    );
    return rows[0];
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const { rows } = await this.#q.query<UserRecord>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Preferences are merged as a JSON merge patch: given keys replace, a null removes the key, absent keys stay. */
  async update(
    id: string,
    patch: { name?: string | undefined; preferences?: PreferencesPatch | undefined },
  ): Promise<UserRecord | undefined> {
    const { rows } = await this.#q.query<UserRecord>(
      `UPDATE users
          SET name = COALESCE($2, name),
              preferences = jsonb_strip_nulls(preferences || COALESCE($3::jsonb, '{}'::jsonb)),
              updated_at = now()
        WHERE id = $1
        RETURNING ${COLUMNS}`,
      [id, patch.name ?? null, patch.preferences === undefined ? null : JSON.stringify(patch.preferences)],
    );
    return rows[0];
  }

  async lockRoles(): Promise<void> {
    await this.#q.query("SELECT pg_advisory_xact_lock(hashtext('user:roles'))");
  }

  async countAdmins(): Promise<number> {
    const { rows } = await this.#q.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE role = 'admin'");
    return rows[0]?.n ?? 0;
  }

  async setRole(id: string, role: Role): Promise<UserRecord | undefined> {
    const { rows } = await this.#q.query<UserRecord>(
      `UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, role],
    );
    return rows[0];
  }
}
