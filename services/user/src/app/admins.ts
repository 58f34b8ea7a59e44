import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import { checkPassword, isPlausibleEmail, normaliseEmail } from '../domain/credentials.ts';
import type { UserRecord } from '../domain/ports.ts';
import { decideRoleChange, type Role } from '../domain/roles.ts';
import type { UserContext } from './context.ts';
import { recordSessionEnded } from './sessionEvents.ts';

export type BootstrapOutcome = 'created' | 'admin-exists' | 'email-taken' | 'invalid';

/**
 * The first administrator, made at start from ADMIN_EMAIL and
 * ADMIN_INITIAL_PASSWORD (the launcher passes both): only while no
 * administrator exists, and only if nobody has the email. An account that
 * signed up with that email stays a customer: promoting it would hand the
 * shop to whoever signed up first as admin@..., the very attack this replaces.
 * Safe when instances start together (one lock, checked again under it).
 */
export async function bootstrapAdmin(
  ctx: UserContext,
  input: { email: string; password: string },
): Promise<{ outcome: BootstrapOutcome; reason?: string }> {
  const email = normaliseEmail(input.email);
  if (!isPlausibleEmail(email)) return { outcome: 'invalid', reason: 'ADMIN_EMAIL is not an email address' };
  const verdict = checkPassword(input.password, email);
  if (!verdict.ok) return { outcome: 'invalid', reason: `ADMIN_INITIAL_PASSWORD ${verdict.reason}` };
  if ((await ctx.store.users.countAdmins()) > 0) return { outcome: 'admin-exists' };
  const passwordHash = await ctx.passwords.hash(input.password);
  return ctx.store.transaction(async ({ users, outbox }) => {
    await users.lockRoles();
    if ((await users.countAdmins()) > 0) return { outcome: 'admin-exists' as const };
    const user = await users.insert({ id: randomUUID(), email, name: 'Administrator', role: 'admin', passwordHash });
    if (!user) return { outcome: 'email-taken' as const };
    await outbox.append({
      type: 'user.registered',
      key: user.id,
      correlationId: `bootstrap-admin-${user.id}`,
      payload: { userId: user.id, email: user.email, name: user.name },
    });
    return { outcome: 'created' as const };
  });
}

/**
 * An operator's promotion or demotion (over the mesh, as the launcher). The
 * last administrator cannot be demoted. A demotion ends the account's
 * sessions (refresh tokens, and user.session_revoked for what they hold
 * open); access tokens already issued keep their role until they expire.
 */
export async function changeRole(
  ctx: UserContext,
  input: { email: string; role: Role; correlationId: string },
): Promise<{ user: UserRecord; changed: boolean }> {
  const email = normaliseEmail(input.email);
  return ctx.store.transaction(async ({ users, sessions, outbox }) => {
    await users.lockRoles();
    const found = await users.findSignUp(email);
    if (!found) throw new AppError('NOT_FOUND', { detail: `No account has the email ${email}` });
    const { passwordHash: _hash, signUpKey: _key, ...account } = found;
    const decision = decideRoleChange(account.role, input.role, await users.countAdmins());
    if (!decision.ok)
      throw new AppError('CONFLICT', { detail: `${email} is the last administrator; promote another account first` });
    if (!decision.changed) return { user: account, changed: false };
    const user = (await users.setRole(account.id, input.role)) ?? account;
    if (input.role !== 'admin') {
      for (const ended of await sessions.revokeFamiliesOfUser(user.id, ctx.now()))
        await recordSessionEnded(outbox, ended, input.correlationId);
    }
    return { user, changed: true };
  });
}
