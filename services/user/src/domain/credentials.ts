/** Sign-up rules of the user domain: pure functions, no I/O. */

export type PasswordVerdict = { ok: true } | { ok: false; reason: string };

const MIN_LENGTH = 10;
const MAX_LENGTH = 256;

/**
 * NIST SP 800-63B style: length over composition rules, a ceiling so hashing
 * cannot be abused, and no password that merely repeats the email.
 */
export function checkPassword(password: string, email: string): PasswordVerdict {
  if (password.length < MIN_LENGTH) return { ok: false, reason: `must be at least ${MIN_LENGTH} characters` };
  if (password.length > MAX_LENGTH) return { ok: false, reason: `must be at most ${MAX_LENGTH} characters` };
  if (new Set(password).size < 4) return { ok: false, reason: 'must use at least 4 different characters' };
  const local = email.split('@')[0] ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local))
    return { ok: false, reason: 'must not contain your email address' };
  return { ok: true };
}

/** Trimmed, lowercased, Unicode-normalised: the form in which uniqueness is enforced. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const EMAIL = /^[^\s@\u0000-\u001f\u007f]{1,64}@[^\s@\u0000-\u001f\u007f]+\.[^\s@\u0000-\u001f\u007f]{2,}$/;

export function isPlausibleEmail(email: string): boolean {
  return email.length <= 254 && EMAIL.test(email);
}
