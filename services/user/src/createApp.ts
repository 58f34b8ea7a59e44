import { createTokenVerifier, registerAuthentication } from '@shop/auth';
import { ConsistencyTracker, ReadRouter, ReadYourWrites, resolveCache, type Database } from '@shop/data';
import { relayOutboxToLog } from '@shop/events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, createBaseApp, type Logger, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { createAccessTokenSigner } from './adapters/accessTokens.ts';
import { loadKek } from './adapters/keyEncryption.ts';
import { SqlKeyStore } from './adapters/keyStore.ts';
import { createPasswordHasher } from './adapters/passwords.ts';
import { createProfileReader } from './adapters/profileReader.ts';
import { createUserStore } from './adapters/userStore.ts';
import { bootstrapAdmin } from './app/admins.ts';
import type { UserContext, UserSettings } from './app/context.ts';
import { createSignUpBucket } from './app/signUpBucket.ts';
import type { UserConfig } from './config.ts';
import { registerKeys } from './http/keys.ts';
import { registerMe } from './http/me.ts';
import { registerRoles } from './http/roles.ts';
import { registerSessions } from './http/sessions.ts';
import { registerSignUp } from './http/signUp.ts';

export { configSpec, type UserConfig } from './config.ts';

export interface UserAppOptions {
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
  /** How a delayed login waits; tests pass one that records. */
  sleep?: (ms: number) => Promise<void>;
}

/** Hashing slots must leave sign-ups at least one (the reservation is for logins only). */
function checkHashSlots(config: UserConfig): void {
  if (config.PASSWORD_HASH_RESERVED_FOR_LOGINS >= config.PASSWORD_HASH_CONCURRENCY) {
    throw new ConfigError([
      `PASSWORD_HASH_RESERVED_FOR_LOGINS (${config.PASSWORD_HASH_RESERVED_FOR_LOGINS}) must be below PASSWORD_HASH_CONCURRENCY (${config.PASSWORD_HASH_CONCURRENCY})`,
    ]);
  }
}

/** Makes the bootstrap administrator if configured and needed; a refusal is logged, never fatal. */
async function ensureAdmin(ctx: UserContext, config: UserConfig, logger: Logger): Promise<void> {
  if (!config.ADMIN_EMAIL) return;
  if (!config.ADMIN_INITIAL_PASSWORD) {
    logger.error(
      { email: config.ADMIN_EMAIL },
      'ADMIN_EMAIL is set without ADMIN_INITIAL_PASSWORD: no administrator was made',
    );
    return;
  }
  const { outcome, reason } = await bootstrapAdmin(ctx, {
    email: config.ADMIN_EMAIL,
    password: config.ADMIN_INITIAL_PASSWORD,
  });
  if (outcome === 'created') logger.info({ email: config.ADMIN_EMAIL }, 'bootstrap administrator created');
  if (outcome === 'invalid')
    logger.error({ email: config.ADMIN_EMAIL }, `bootstrap administrator not made: ${reason ?? 'invalid'}`);
  if (outcome === 'email-taken') {
    logger.error(
      { email: config.ADMIN_EMAIL },
      'no administrator exists and ADMIN_EMAIL belongs to an account that signed up as a customer: it is NOT promoted (whoever signed up with it would own the shop); choose another ADMIN_EMAIL, or promote a trusted account with npm run admin -- promote <email>',
    );
  }
}

/** The login and sign-up limits from the configuration. */
function settingsOf(config: UserConfig): UserSettings {
  const windowMs = config.LOGIN_FAILURE_WINDOW_SEC * 1000;
  const lock = { windowMs, baseLockMs: 60_000, maxLockMs: 3_600_000 };
  return {
    accessTokenTtlSec: config.ACCESS_TOKEN_TTL_SEC,
    refreshTokenTtlMs: config.REFRESH_TOKEN_TTL_SEC * 1000,
    accountThrottle: { maxFailures: config.LOGIN_MAX_FAILURES_PER_ACCOUNT, ...lock },
    // Counted per address that failed (loginThrottle.ts): the sixth address to fail at an account starts the delays.
    accountDelay: {
      freeAttempts: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      windowMs,
      baseDelayMs: 100,
      maxDelayMs: config.LOGIN_MAX_DELAY_MS,
    },
    ipThrottle: { maxFailures: config.LOGIN_MAX_FAILURES_PER_IP, ...lock },
    signUpsPerAddress: { max: config.SIGNUP_MAX_PER_ADDRESS, windowMs: config.SIGNUP_ADDRESS_WINDOW_SEC * 1000 },
  };
}

/** The use cases' dependencies; the signing key exists once this resolves. */
async function userContext(
  config: UserConfig,
  deps: { db: Database; reads: ReadRouter },
  options: UserAppOptions,
): Promise<UserContext> {
  const now = options.now ?? Date.now;
  const keys = new SqlKeyStore({
    db: deps.db,
    kek: await loadKek(config.SIGNING_KEY_KEK_FILE),
    now,
    accessTokenTtlMs: config.ACCESS_TOKEN_TTL_SEC * 1000,
  });
  await keys.ensureSigningKey();
  return {
    store: createUserStore(deps.db),
    profiles: createProfileReader(deps.reads, deps.db),
    now,
    sleep: options.sleep ?? ((ms) => sleep(ms)),
    keys,
    tokens: createAccessTokenSigner(keys),
    passwords: createPasswordHasher({
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      reservedForLogins: config.PASSWORD_HASH_RESERVED_FOR_LOGINS,
      queue: config.PASSWORD_HASH_QUEUE,
    }),
    signUps: createSignUpBucket({ perSec: config.SIGNUP_MAX_PER_SEC, burst: config.SIGNUP_MAX_PER_SEC }, now),
    settings: settingsOf(config),
  };
}

/** Read-your-writes tokens, keyed per database so stacks sharing one Redis never mix. */
function readYourWrites(config: UserConfig, reads: ReadRouter, logger: Logger): ReadYourWrites {
  return new ReadYourWrites({
    scope: 'user',
    positionAfterWrite: () => reads.positionAfterWrite(),
    tracker: new ConsistencyTracker({
      store: resolveCache(config.REDIS_URL, { prefix: `rw:${new URL(config.DATABASE_URL).pathname.slice(1)}:` }),
    }),
    onError: (error) =>
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'read-your-writes store unavailable',
      ),
  });
}

/** Builds the user service; never listens (main.ts does). Ensures a signing key and the bootstrap administrator exist. */
export async function createApp(
  config: UserConfig,
  deps: ServiceDeps,
  options: UserAppOptions = {},
): Promise<ServiceApp> {
  checkHashSlots(config);
  const reads = deps.reads ?? new ReadRouter(deps.db, []);
  const ctx = await userContext(config, { db: deps.db, reads }, options);
  const rw = readYourWrites(config, reads, deps.logger);
  await ensureAdmin(ctx, config, deps.logger);
  const app = createBaseApp(config, deps);
  // This service verifies its own tokens from its own key table: no HTTP call to itself.
  // The key store already limits how often unknown kids reach the database.
  registerAuthentication(
    app,
    createTokenVerifier({ loadKeys: () => ctx.keys.jwks(), minRefreshIntervalMs: 0, now: ctx.now }),
  );
  registerSignUp(app, ctx, rw);
  registerSessions(app, ctx);
  registerMe(app, ctx, rw);
  registerKeys(app, ctx);
  registerRoles(app, ctx);
  app.addHook('onClose', async () => {
    await rw.close();
    if (!deps.reads) await reads.close();
  });
  // Outbox rows written with each state change reach the event log through this relay.
  relayOutboxToLog(app, deps, config);
  return app;
}
