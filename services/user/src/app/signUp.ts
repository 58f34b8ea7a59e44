import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import { checkPassword, isPlausibleEmail, normaliseEmail } from '../domain/credentials.ts';
import type { UserRecord } from '../domain/ports.ts';
import { SIGN_UP_ROLE } from '../domain/roles.ts';
import type { UserContext } from './context.ts';
import { admitSignUp, releaseSignUp, reserveSignUp } from './signUpLimits.ts';

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', { detail: `${field} ${message}`, errors: [{ field, message }] });
}

/**
 * Creates an account and its user.registered event in one transaction. With
 * an Idempotency-Key, a repeat of a sign-up that already succeeded (same key,
 * same email, name and password) answers with that account again, and no
 * second event; the same key with a different request is refused (422), and
 * an email taken by any other sign-up stays a 409.
 *
 * Every account is a customer. Sign-ups are limited per client address
 * (`address`, the end client's) and per instance before the hash, and only in
 * the hashing share that logins never need (passwords.ts): a flood of them
 * neither crowds out logins nor sends unbounded welcome emails.
 */
export async function signUp(
  ctx: UserContext,
  input: {
    email: string;
    password: string;
    name: string;
    address: string;
    correlationId: string;
    idempotencyKey?: string | undefined;
  },
): Promise<{ user: UserRecord; replayed: boolean }> {
  const email = normaliseEmail(input.email);
  if (!isPlausibleEmail(email)) throw invalid('body/email', 'is not an email address');
  const name = input.name.trim();
  if (name === '') throw invalid('body/name', 'must not be blank');
  const verdict = checkPassword(input.password, email);
  if (!verdict.ok) throw invalid('body/password', verdict.reason);
  await admitSignUp(ctx, input.address);
  const reservation = await reserveSignUp(ctx, input.address);
  let made = false;
  try {
    const outcome = await createAccount(ctx, { ...input, email, name });
    made = !outcome.replayed;
    return outcome;
  } finally {
    if (!made) await releaseSignUp(ctx, reservation);
  }
}

/** Hashes the password, then makes the account and its user.registered event in one transaction (or finds the one a replay made). */
async function createAccount(
  ctx: UserContext,
  input: { email: string; password: string; name: string; correlationId: string; idempotencyKey?: string | undefined },
): Promise<{ user: UserRecord; replayed: boolean }> {
  const { email, name } = input;
  const passwordHash = await ctx.passwords.hash(input.password);
  return ctx.store.transaction(async ({ users, outbox }) => {
    const user = await users.insert({
      id: randomUUID(),
      email,
      name,
      role: SIGN_UP_ROLE,
      passwordHash,
      ...(input.idempotencyKey ? { signUpKey: input.idempotencyKey } : {}),
    });
    if (!user) {
      const earlier = input.idempotencyKey ? await users.findSignUp(email) : undefined;
      if (!earlier || earlier.signUpKey !== input.idempotencyKey)
        throw new AppError('CONFLICT', { detail: 'An account with this email already exists' });
      // The same key: a retry of the sign-up that made this account, if it says the same.
      const same =
        earlier.name === name && (await ctx.passwords.verify(earlier.passwordHash, input.password, 'signup'));
      if (!same)
        throw new AppError('IDEMPOTENCY_KEY_REUSED', {
          detail: 'This Idempotency-Key was used with a different request',
        });
      const { passwordHash: _hash, signUpKey: _key, ...account } = earlier;
      return { user: account, replayed: true };
    }
    await outbox.append({
      type: 'user.registered',
      key: user.id,
      correlationId: input.correlationId,
      payload: { userId: user.id, email: user.email, name: user.name },
    });
    return { user, replayed: false };
  });
}
