import argon2 from 'argon2';

/**
 * argon2id with OWASP's recommended profile (m=19 MiB, t=2, p=1). The
 * library's default (m=64 MiB, t=3, p=4) took most of a 2-core machine at a
 * few logins a second and starved every other request under a Black-Friday
 * mix. A stored hash carries its own parameters, so older hashes still verify.
 */
export const PASSWORD_HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, PASSWORD_HASH_OPTIONS);
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
