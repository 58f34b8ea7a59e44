import argon2 from 'argon2';
import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import { AppError } from '@shop/platform';

/**
 * argon2id with OWASP's recommended profile (m=19 MiB, t=2, p=1). The
 * library's default (m=64 MiB, t=3, p=4) took most of a 2-core machine at a
 * few logins a second and starved every other request under a Black-Friday
 * mix. A stored hash carries its own parameters, so older hashes still verify.
 */
export const PASSWORD_HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Verifies against the stored hash, or, when there is no such user, against
   * a dummy hash of the same cost: an unknown email takes as long as a wrong
   * password, so timing does not tell which accounts exist.
   */
  verify(hash: string | undefined, password: string): Promise<boolean>;
}

export interface PasswordHasherOptions {
  /** Hashes computed at once. */
  concurrency: number;
  /** Hashes waiting for a slot; past it a request is shed with 503 + Retry-After. */
  queue: number;
}

/**
 * Password hashing behind a bulkhead. argon2 runs on libuv's thread pool (4
 * threads), which the PostgreSQL driver also needs: SCRAM authentication of a
 * new connection is WebCrypto work on that same pool. Fifty sign-ups at once
 * used to fill it with 110 ms hashes, so the pool could not open a connection
 * within its acquire timeout and every request failed with "database
 * unreachable". Capping concurrent hashes keeps threads free for the driver
 * (on 2 cores more hashes at once do not finish sooner anyway), and the
 * bounded queue turns a burst beyond capacity into a quick 503 + Retry-After
 * instead of requests that time out at the gateway after holding a slot.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const slots = bulkhead(options.concurrency, options.queue);
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await slots.execute(work);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw new AppError('OVERLOADED', { retryAfter: 1, detail: 'Too many sign-ins and sign-ups at once; try again in a moment' });
      }
      throw error;
    }
  };
  const hash = (password: string): Promise<string> => run(() => argon2.hash(password, PASSWORD_HASH_OPTIONS));
  let dummy: Promise<string> | undefined;
  return {
    hash,
    async verify(stored, password) {
      dummy ??= argon2.hash('not-a-real-password: equalises timing', PASSWORD_HASH_OPTIONS);
      const target = stored ?? (await dummy);
      return run(async () => {
        try {
          const ok = await argon2.verify(target, password);
          return ok && stored !== undefined;
        } catch {
          return false;
        }
      });
    },
  };
}
