import { normaliseEmail } from './credentials.ts';

export type Role = 'customer' | 'admin';

/** ADMIN_EMAILS ("a@x.io, b@y.io") as normalised emails. */
export function parseAdminEmails(raw: string | undefined): ReadonlySet<string> {
  return new Set((raw ?? '').split(',').map(normaliseEmail).filter((e) => e !== ''));
}

export function roleFor(email: string, adminEmails: ReadonlySet<string>): Role {
  return adminEmails.has(normaliseEmail(email)) ? 'admin' : 'customer';
}
