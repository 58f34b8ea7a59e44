import { env, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/** The user service's variables beyond the base set. */
export const configSpec = {
  /** Read-your-writes floors shared by all instances (redis://); unset: in process, per instance. */
  REDIS_URL: env.optionalUrl({ protocols: ['redis:', 'rediss:'] }),
  /**
   * The bootstrap administrator: made at start with ADMIN_INITIAL_PASSWORD
   * while no administrator exists and nobody has the email (the launcher
   * passes both). Unset: no bootstrap. Nobody becomes an admin by signing up.
   */
  ADMIN_EMAIL: env.optionalString(),
  ADMIN_INITIAL_PASSWORD: env.optionalString(),
  /**
   * A file holding the 32-byte key (base64) that seals the token-signing keys
   * in the database. Required: without it the keys would be stored in the
   * clear, and a key made up per process would not open them after a restart.
   * The launcher makes one (<data dir>/pki/signing-kek); every instance of a
   * database must have the same.
   */
  SIGNING_KEY_KEK_FILE: env.string({ description: 'path to a file with 32 random bytes in base64' }),
  ACCESS_TOKEN_TTL_SEC: env.int({ default: 900, min: 30, max: 86_400 }),
  REFRESH_TOKEN_TTL_SEC: env.int({ default: 30 * 86_400, min: 60, max: 365 * 86_400 }),
  /**
   * Failed logins of one account from one client address within the window
   * before that address is locked out of that account (growing lock); past as
   * many failures from all addresses together, each attempt is delayed.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int({ default: 5, min: 1, max: 1000 }),
  /** Failed logins per client address within the window before it is locked out. */
  LOGIN_MAX_FAILURES_PER_IP: env.int({ default: 50, min: 1, max: 100_000 }),
  LOGIN_FAILURE_WINDOW_SEC: env.int({ default: 900, min: 10, max: 86_400 }),
  /** The longest an attempt at a much-failed account is delayed before its password is checked. */
  LOGIN_MAX_DELAY_MS: env.int({ default: 2000, min: 0, max: 30_000 }),
  /** argon2 hashes at once; keep it below libuv's 4 threads so the database driver keeps some. */
  PASSWORD_HASH_CONCURRENCY: env.int({ default: 2, min: 2, max: 64 }),
  /** Of those, hashing slots only logins use: sign-ups never take them (below PASSWORD_HASH_CONCURRENCY). */
  PASSWORD_HASH_RESERVED_FOR_LOGINS: env.int({ default: 1, min: 1, max: 63 }),
  /** Hashes waiting for a slot, for logins and for sign-ups each, before more are shed with 503 + Retry-After. */
  PASSWORD_HASH_QUEUE: env.int({ default: 16, min: 0, max: 10_000 }),
  /** Accounts made per client address per window (also bounds welcome emails to addresses typed in). */
  SIGNUP_MAX_PER_ADDRESS: env.int({ default: 5, min: 1, max: 1_000_000 }),
  SIGNUP_ADDRESS_WINDOW_SEC: env.int({ default: 60, min: 1, max: 86_400 }),
  /** Sign-ups per second per instance, from all clients together (burst as many). */
  SIGNUP_MAX_PER_SEC: env.int({ default: 20, min: 1, max: 1_000_000 }),
};

export type UserConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
