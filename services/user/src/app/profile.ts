import { AppError } from '@shop/platform';
import { findUserById, updateUser, type Preferences, type UserRecord } from '../adapters/users.ts';
import type { UserContext } from './context.ts';

function gone(): AppError {
  return new AppError('NOT_FOUND', { detail: 'This account no longer exists' });
}

export async function getProfile(ctx: UserContext, userId: string): Promise<UserRecord> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw gone();
  return user;
}

/** Preference values of null remove the preference (JSON merge patch). */
export type PreferencesPatch = { [K in keyof Preferences]?: Preferences[K] | null };

export async function updateProfile(ctx: UserContext, userId: string, patch: { name?: string; preferences?: PreferencesPatch }): Promise<UserRecord> {
  const name = patch.name?.trim();
  if (name === '') throw new AppError('VALIDATION_FAILED', { detail: 'body/name must not be blank', errors: [{ field: 'body/name', message: 'must not be blank' }] });
  const user = await updateUser(ctx.db, userId, { name, preferences: patch.preferences });
  if (!user) throw gone();
  return user;
}
