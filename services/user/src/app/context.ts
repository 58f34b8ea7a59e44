import type { Database } from '@shop/data';
import type { KeyStore } from '../adapters/keyStore.ts';
import type { ThrottlePolicy } from '../domain/throttle.ts';

/** What the use cases need, built once in createApp and passed in. */
export interface UserContext {
  db: Database;
  now: () => number;
  keys: KeyStore;
  verifyPassword: (hash: string | undefined, password: string) => Promise<boolean>;
  settings: {
    accessTokenTtlSec: number;
    refreshTokenTtlMs: number;
    adminEmails: ReadonlySet<string>;
    accountThrottle: ThrottlePolicy;
    ipThrottle: ThrottlePolicy;
  };
}
