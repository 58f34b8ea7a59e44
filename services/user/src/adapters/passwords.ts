import argon2 from 'argon2';

/** argon2id with the library's defaults (m=64 MiB, t=3, p=4). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

/**
 * Verifies against the stored hash, or, when there is no such user, against a
 * dummy hash of the same cost: an unknown email takes as long as a wrong
 * password, so timing does not tell which accounts exist.
 */
export function createPasswordVerifier(): (hash: string | undefined, password: string) => Promise<boolean> {
  let dummy: Promise<string> | undefined;
  return async (hash, password) => {
    dummy ??= hashPassword('not-a-real-password: equalises timing');
    const target = hash ?? (await dummy);
    try {
      const ok = await argon2.verify(target, password);
      return ok && hash !== undefined;
    } catch {
      return false;
    }
  };
}
