import { env, type BaseServiceConfig, type ConfigOf } from '@shop/platform';

/** The user service's variables beyond the base set. */
export const configSpec = {
  /** Read-your-writes floors shared by all instances (redis://); unset: in process, per instance. */
  REDIS_URL: env.optionalUrl({ protocols: ['redis:', 'rediss:'] }),
  /** Comma-separated emails that get the admin role when they sign up. */
  ADMIN_EMAILS: env.optionalString(),
  ACCESS_TOKEN_TTL_SEC: env.int({ default: 900, min: 30, max: 86_400 }),
  REFRESH_TOKEN_TTL_SEC: env.int({ default: 30 * 86_400, min: 60, max: 365 * 86_400 }),
  /** Failed logins per account within the window before it is locked out (growing lock). */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int({ default: 5, min: 1, max: 1000 }),
  /** Failed logins per client address within the window before it is locked out. */
  LOGIN_MAX_FAILURES_PER_IP: env.int({ default: 50, min: 1, max: 100_000 }),
  LOGIN_FAILURE_WINDOW_SEC: env.int({ default: 900, min: 10, max: 86_400 }),
  /** argon2 hashes at once; keep it below libuv's 4 threads so the database driver keeps some. */
  PASSWORD_HASH_CONCURRENCY: env.int({ default: 2, min: 1, max: 64 }),
  /** Hashes waiting for a slot before sign-ups and logins are shed with 503 + Retry-After. */
  PASSWORD_HASH_QUEUE: env.int({ default: 16, min: 0, max: 10_000 }),
};

export type UserConfig = BaseServiceConfig & ConfigOf<typeof configSpec>;
