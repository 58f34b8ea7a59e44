import { AppError } from '@shop/platform';
import { findUserById, updateUser, type Preferences, type UserRecord } from '../adapters/users.ts';
import type { UserContext } from './context.ts';

function gone(): AppError {
  return new AppError('NOT_FOUND', { detail: 'This account no longer exists' });
}

/**
 * The account as of `floor` or later (the caller's read-your-writes
 * position). Missing on a replica is checked on the primary: a valid token
 * says the account exists, and a replica behind its sign-up proves nothing.
 */
export async function getProfile(ctx: UserContext, userId: string, floor?: string): Promise<UserRecord> {
  const read = await ctx.reads.withReader(async (q, source) => ({ user: await findUserById(q, userId), source }), {
    minLsn: floor,
  });
  const user = read.user ?? (read.source.target === 'replica' ? await findUserById(ctx.db, userId) : undefined);
  if (!user) throw gone();
  return user;
}

/** Preference values of null remove the preference (JSON merge patch). */
export type PreferencesPatch = { [K in keyof Preferences]?: Preferences[K] | null };

export async function updateProfile(
  ctx: UserContext,
  userId: string,
  patch: { name?: string; preferences?: PreferencesPatch },
): Promise<UserRecord> {
  const name = patch.name?.trim();
  if (name === '')
    throw new AppError('VALIDATION_FAILED', {
      detail: 'body/name must not be blank',
      errors: [{ field: 'body/name', message: 'must not be blank' }],
    });
  const user = await updateUser(ctx.db, userId, { name, preferences: patch.preferences });
  if (!user) throw gone();
  return user;
}
