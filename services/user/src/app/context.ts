import type { AccessTokenSigner, KeyStore, PasswordHasher, ProfileReader, UserStore } from '../domain/ports.ts';
import type { WindowPolicy } from '../domain/rateLimit.ts';
import type { DelayPolicy, ThrottlePolicy } from '../domain/throttle.ts';
import type { SignUpBucket } from './signUpBucket.ts';

/** What the use cases need, built once in createApp and passed in. */
export interface UserContext {
  /** The primary: writes, and reads that must see everything (credentials, sessions, keys). */
  store: UserStore;
  /** Profile reads: replicas when configured, read-your-writes by floor. */
  profiles: ProfileReader;
  now: () => number;
  /** Waits (a delayed login); tests pass one that records instead. */
  sleep: (ms: number) => Promise<void>;
  keys: KeyStore;
  tokens: AccessTokenSigner;
  passwords: PasswordHasher;
  /** This instance's sign-up bucket (all clients together). */
  signUps: SignUpBucket;
  settings: UserSettings;
}

export interface UserSettings {
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
}
