import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import { insertUser, type UserRecord } from '../adapters/users.ts';
import { checkPassword, isPlausibleEmail, normaliseEmail } from '../domain/credentials.ts';
import { roleFor } from '../domain/roles.ts';
import type { UserContext } from './context.ts';
import { appendToOutbox } from './outbox.ts';

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', { detail: `${field} ${message}`, errors: [{ field, message }] });
}

/** Creates an account and its user.registered event in one transaction. */
export async function signUp(ctx: UserContext, input: { email: string; password: string; name: string; correlationId: string }): Promise<UserRecord> {
  const email = normaliseEmail(input.email);
  if (!isPlausibleEmail(email)) throw invalid('body/email', 'is not an email address');
  const name = input.name.trim();
  if (name === '') throw invalid('body/name', 'must not be blank');
  const verdict = checkPassword(input.password, email);
  if (!verdict.ok) throw invalid('body/password', verdict.reason);
  const passwordHash = await ctx.passwords.hash(input.password);
  return ctx.db.transaction(async (q) => {
    const user = await insertUser(q, { id: randomUUID(), email, name, role: roleFor(email, ctx.settings.adminEmails), passwordHash });
    if (!user) throw new AppError('CONFLICT', { detail: 'An account with this email already exists' });
    await appendToOutbox(q, {
      topic: 'user',
      type: 'user.registered',
      key: user.id,
      aggregateId: user.id,
      correlationId: input.correlationId,
      payload: { userId: user.id, email: user.email, name: user.name },
    });
    return user;
  });
}
