import { env, type Spec } from '../../config.ts';
import { redisSpec } from '../pieces.ts';

/** The user service's own variables (beyond baseServiceSpec). */
export const userSpec = {
  ...redisSpec,
  ADMIN_EMAIL: env.optionalString({
    doc: 'the bootstrap administrator, made at start while no administrator exists and nobody has the email; unset: none',
  }),
  ADMIN_INITIAL_PASSWORD: env.optionalString({ doc: "the bootstrap administrator's initial password" }),
  SIGNING_KEY_KEK_FILE: env.string({
    description: 'path to a file with 32 random bytes in base64',
    doc: 'the key (32 bytes, base64) sealing the token-signing keys in the database; every instance needs the same',
  }),
  ACCESS_TOKEN_TTL_SEC: env.int({ default: 900, min: 30, max: 86_400, doc: 'lifetime of an access token' }),
  REFRESH_TOKEN_TTL_SEC: env.int({
    default: 30 * 86_400,
    min: 60,
    max: 365 * 86_400,
    doc: 'lifetime of a refresh token (each is spent on use)',
  }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: env.int({
    default: 5,
    min: 1,
    max: 1000,
    doc: 'failed logins of one account from one address in the window before that address is locked out of it; past as many addresses, each attempt is delayed',
  }),
  LOGIN_MAX_FAILURES_PER_IP: env.int({
    default: 50,
    min: 1,
    max: 100_000,
    doc: 'failed logins per client address in the window before it is locked out',
  }),
  LOGIN_FAILURE_WINDOW_SEC: env.int({ default: 900, min: 10, max: 86_400, doc: 'the window failed logins count in' }),
  LOGIN_MAX_DELAY_MS: env.int({
    default: 2000,
    min: 0,
    max: 30_000,
    doc: 'longest delay of an attempt at a much-failed account before its password is checked',
  }),
  PASSWORD_HASH_CONCURRENCY: env.int({
    default: 2,
    min: 2,
    max: 64,
    doc: "argon2 hashes at once; below libuv's 4 threads so the database driver keeps some",
  }),
  PASSWORD_HASH_RESERVED_FOR_LOGINS: env.int({
    default: 1,
    min: 1,
    max: 63,
    doc: 'hashing slots only logins use: sign-ups never take them',
  }),
  PASSWORD_HASH_QUEUE: env.int({
    default: 16,
    min: 0,
    max: 10_000,
    doc: 'hashes waiting for a slot, for logins and for sign-ups each; past it, 503 + Retry-After',
  }),
  SIGNUP_MAX_PER_ADDRESS: env.int({
    default: 5,
    min: 1,
    max: 1_000_000,
    doc: 'accounts made per client address per window (also bounds welcome emails); past it, 429',
  }),
  SIGNUP_ADDRESS_WINDOW_SEC: env.int({ default: 60, min: 1, max: 86_400, doc: 'the window sign-ups count in' }),
  SIGNUP_MAX_PER_SEC: env.int({
    default: 20,
    min: 1,
    max: 1_000_000,
    doc: 'sign-ups per second per instance from all clients together; past it, 429',
  }),
} satisfies Spec;
