import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Secrets the launcher makes once per data directory for the user service,
 * each in a file only its owner may read (0600). The directory keeps its own
 * mode: the admin credentials sit in the data directory itself, which the
 * embedded PostgreSQL's own user must be able to pass through (the signing
 * key's pki/ directory is made 0700 by permissions.ts).
 */

async function writePrivate(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, { mode: 0o600 });
  // The mode above applies only to a new file: tighten one that already existed.
  await chmod(file, 0o600);
}

/**
 * The key-encryption key that seals the user service's signing keys in its
 * database (SIGNING_KEY_KEK_FILE): 32 random bytes, base64, made once and
 * kept, since keys sealed under it must open after every restart.
 */
export async function loadOrCreateSigningKek(file: string): Promise<string> {
  try {
    const existing = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
    if (existing.length === 32) {
      await chmod(file, 0o600);
      return file;
    }
    throw new Error(
      `${file} does not hold a 32-byte key; move it away to make a new one (signing keys sealed under it will then not open)`,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await writePrivate(file, `${randomBytes(32).toString('base64')}\n`);
  return file;
}

export interface AdminCredentials {
  email: string;
  /** The bootstrap administrator's password, used only when the user service makes the account. */
  password: string;
  /** Where the operator finds it: the credentials file, or ADMIN_PASSWORD. */
  source: string;
}

/**
 * The bootstrap administrator's credentials: ADMIN_PASSWORD when given (kept
 * nowhere), else the password in `file`, made at random the first time (or
 * when ADMIN_EMAIL changes). The user service makes the account from them only
 * while no administrator exists.
 */
export async function loadOrCreateAdminCredentials(
  file: string,
  email: string,
  password: string | undefined,
): Promise<AdminCredentials> {
  if (password !== undefined) return { email, password, source: 'ADMIN_PASSWORD' };
  try {
    const kept = JSON.parse(await readFile(file, 'utf8')) as Partial<AdminCredentials>;
    if (kept.email === email && typeof kept.password === 'string') {
      await chmod(file, 0o600);
      return { email, password: kept.password, source: file };
    }
  } catch {
    // first start for this data directory (or an unreadable file): make new ones
  }
  const made = randomBytes(18).toString('base64url');
  await writePrivate(
    file,
    `${JSON.stringify({ email, password: made, note: 'the initial password of the bootstrap administrator; used only when the account is created' }, null, 2)}\n`,
  );
  return { email, password: made, source: file };
}

/**
 * Why the user service would refuse `password` for the bootstrap
 * administrator (its sign-up rule: 10 to 256 characters, 4 different ones,
 * not the email's local part), checked here too so that a refused
 * ADMIN_PASSWORD stops the launcher at once, not a shop without an
 * administrator and an error in a user instance's log.
 */
export function adminPasswordProblem(email: string, password: string): string | undefined {
  if (password.length < 10 || password.length > 256) return 'ADMIN_PASSWORD must be 10 to 256 characters';
  if (new Set(password).size < 4) return 'ADMIN_PASSWORD must use at least 4 different characters';
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local))
    return `ADMIN_PASSWORD must not contain "${local}", the local part of ADMIN_EMAIL`;
  return undefined;
}
