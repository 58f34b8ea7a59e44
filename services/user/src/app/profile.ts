import { AppError } from '@shop/platform';
import type { PreferencesPatch, UserRecord } from '../domain/ports.ts';
import type { UserContext } from './context.ts';

export type { PreferencesPatch };

function gone(): AppError {
  return new AppError('NOT_FOUND', { detail: 'This account no longer exists' });
}

/**
 * The account as of `floor` or later (the caller's read-your-writes
 * position). A valid token says the account exists: missing everywhere, it
 * was deleted since.
 */
export async function getProfile(ctx: UserContext, userId: string, floor?: string): Promise<UserRecord> {
  const user = await ctx.profiles.get(userId, floor);
  if (!user) throw gone();
  return user;
}

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
  const user = await ctx.store.users.update(userId, { name, preferences: patch.preferences });
  if (!user) throw gone();
  return user;
}
