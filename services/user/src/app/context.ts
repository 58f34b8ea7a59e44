import type { Database, ReadYourWrites, Reads } from '@shop/data';
import type { KeyStore } from '../adapters/keyStore.ts';
import type { PasswordHasher } from '../adapters/passwords.ts';
import type { WindowPolicy } from '../domain/rateLimit.ts';
import type { DelayPolicy, ThrottlePolicy } from '../domain/throttle.ts';
import type { SignUpBucket } from './signUpLimits.ts';

/** What the use cases need, built once in createApp and passed in. */
export interface UserContext {
  /** The primary: writes, and reads that must see everything (credentials, sessions, keys). */
  db: Database;
  /** Profile reads: replicas when configured, read-your-writes by `minLsn`. */
  reads: Reads;
  rw: ReadYourWrites;
  now: () => number;
  /** Waits (a delayed login); tests pass one that records instead. */
  sleep: (ms: number) => Promise<void>;
  keys: KeyStore;
  passwords: PasswordHasher;
  /** This instance's sign-up bucket (all clients together). */
  signUps: SignUpBucket;
  settings: {
    accessTokenTtlSec: number;
    refreshTokenTtlMs: number;
    /** Hard lock of one account from one client address. */
    accountThrottle: ThrottlePolicy;
    /** Progressive delay of one account across all addresses. */
    accountDelay: DelayPolicy;
    /** Hard lock of one client address. */
    ipThrottle: ThrottlePolicy;
    /** Sign-ups per client address. */
    signUpsPerAddress: WindowPolicy;
  };
}
