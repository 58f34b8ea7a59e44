import type { Database, ReadYourWrites, Reads } from '@shop/data';
import type { KeyStore } from '../adapters/keyStore.ts';
import type { PasswordHasher } from '../adapters/passwords.ts';
import type { ThrottlePolicy } from '../domain/throttle.ts';

/** What the use cases need, built once in createApp and passed in. */
export interface UserContext {
  /** The primary: writes, and reads that must see everything (credentials, sessions, keys). */
  db: Database;
  /** Profile reads: replicas when configured, read-your-writes by `minLsn`. */
  reads: Reads;
  rw: ReadYourWrites;
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
