export type Role = 'customer' | 'admin';

/**
 * Every sign-up is a customer: no email, however spelled, signs up as an
 * administrator (whoever got there first would have). Administrators are the
 * bootstrap account made at start (ADMIN_EMAIL) and whom an operator promotes
 * over the mesh (README, "Administrators").
 */
export const SIGN_UP_ROLE: Role = 'customer';

export type RoleChange = { ok: true; changed: boolean } | { ok: false; reason: 'last-admin' };

/** Whether `from` may become `to`: the last administrator cannot be demoted (nobody could promote anyone again). */
export function decideRoleChange(from: Role, to: Role, admins: number): RoleChange {
  if (from === to) return { ok: true, changed: false };
  if (from === 'admin' && admins <= 1) return { ok: false, reason: 'last-admin' };
  return { ok: true, changed: true };
}
