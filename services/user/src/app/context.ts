import type { Database } from '@shop/data';
import type { KeyStore } from '../adapters/keyStore.ts';
import type { PasswordHasher } from '../adapters/passwords.ts';
import type { ThrottlePolicy } from '../domain/throttle.ts';

/** What the use cases need, built once in createApp and passed in. */
export interface UserContext {
  db: Database;
  now: () => number;
  keys: KeyStore;
  passwords: PasswordHasher;
  settings: {
    accessTokenTtlSec: number;
    refreshTokenTtlMs: number;
    adminEmails: ReadonlySet<string>;
    accountThrottle: ThrottlePolicy;
    ipThrottle: ThrottlePolicy;
  };
}
