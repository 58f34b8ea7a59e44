import argon2 from 'argon2';
import { AppError } from '@shop/platform';
import type { HashUse, PasswordHasher } from '../domain/ports.ts';
import { createHashSlots, HashSlotsFullError } from './hashSlots.ts';

/**
 * argon2id with OWASP's recommended profile (m=19 MiB, t=2, p=1). The
 * library's default (m=64 MiB, t=3, p=4) took most of a 2-core machine at a
 * few logins a second and starved every other request under a Black-Friday
 * mix. A stored hash carries its own parameters, so older hashes still verify.
 */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export interface PasswordHasherOptions {
  /** Hashes computed at once, in all. */
  concurrency: number;
  /** Of those, slots sign-ups never take (below concurrency). */
  reservedForLogins: number;
  /** Hashes waiting for a slot, per use; past it a request is shed with 503 + Retry-After. */
  queue: number;
}

/**
 * Password hashing behind bounded slots. argon2 runs on libuv's thread pool (4
 * threads), which the PostgreSQL driver also needs: SCRAM authentication of a
 * new connection is WebCrypto work on that same pool. Fifty sign-ups at once
 * used to fill it with 110 ms hashes, so the pool could not open a connection
 * within its acquire timeout and every request failed with "database
 * unreachable". Capping concurrent hashes keeps threads free for the driver
 * (on 2 cores more hashes at once do not finish sooner anyway), and the
 * bounded queues turn a burst beyond capacity into a quick 503 + Retry-After
 * instead of requests that time out at the gateway after holding a slot.
 * Logins have a share of the slots and a queue of their own: a sign-up flood
 * (48 addresses in parallel made 10 of 10 logins 503) cannot crowd them out.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const slots = createHashSlots(options);
  const run = async <T>(use: HashUse, work: () => Promise<T>): Promise<T> => {
    try {
      return await slots.run(use, work);
    } catch (error) {
      if (error instanceof HashSlotsFullError) {
        throw new AppError('OVERLOADED', {
          retryAfter: 1,
          detail:
            use === 'login'
              ? 'Too many sign-ins at once; try again in a moment'
              : 'Too many sign-ups at once; try again in a moment',
        });
      }
      throw error;
    }
  };
  const hash = (password: string): Promise<string> => run('signup', () => argon2.hash(password, PASSWORD_HASH_OPTIONS));
  let dummy: Promise<string> | undefined;
  return {
    hash,
    async verify(stored, password, use = 'login') {
      dummy ??= argon2.hash('not-a-real-password: equalises timing', PASSWORD_HASH_OPTIONS);
      const target = stored ?? (await dummy);
      return run(use, async () => {
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
