import { createTokenVerifier, registerAuthentication } from '@shop/auth';
import { ConsistencyTracker, ReadRouter, ReadYourWrites, resolveCache } from '@shop/data';
import { createBaseApp, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { createKeyStore } from './adapters/keyStore.ts';
import { createPasswordHasher } from './adapters/passwords.ts';
import type { UserContext } from './app/context.ts';
import type { UserConfig } from './config.ts';
import { parseAdminEmails } from './domain/roles.ts';
import { registerKeys } from './http/keys.ts';
import { registerMe } from './http/me.ts';
import { registerSessions } from './http/sessions.ts';
import { registerSignUp } from './http/signUp.ts';
import { relayOutboxToLog } from '@shop/events';

export { configSpec, type UserConfig } from './config.ts';

export interface UserAppOptions {
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
}

/** Builds the user service; never listens (main.ts does). Ensures a signing key exists. */
export async function createApp(config: UserConfig, deps: ServiceDeps, options: UserAppOptions = {}): Promise<ServiceApp> {
  const now = options.now ?? Date.now;
  const keys = createKeyStore({ db: deps.db, now, accessTokenTtlMs: config.ACCESS_TOKEN_TTL_SEC * 1000 });
  await keys.ensureSigningKey();
  const window = config.LOGIN_FAILURE_WINDOW_SEC * 1000;
  const reads = deps.reads ?? new ReadRouter(deps.db, []);
  const rw = new ReadYourWrites({
    scope: 'user',
    positionAfterWrite: () => reads.positionAfterWrite(),
    // Keyed per database, so stacks sharing one Redis never mix.
    tracker: new ConsistencyTracker({ store: resolveCache(config.REDIS_URL, { prefix: `rw:${new URL(config.DATABASE_URL).pathname.slice(1)}:` }) }),
    onError: (error) => deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'read-your-writes store unavailable'),
  });
  const ctx: UserContext = {
    db: deps.db,
    reads,
    rw,
    now,
    keys,
    passwords: createPasswordHasher({ concurrency: config.PASSWORD_HASH_CONCURRENCY, queue: config.PASSWORD_HASH_QUEUE }),
    settings: {
      accessTokenTtlSec: config.ACCESS_TOKEN_TTL_SEC,
      refreshTokenTtlMs: config.REFRESH_TOKEN_TTL_SEC * 1000,
      adminEmails: parseAdminEmails(config.ADMIN_EMAILS),
      accountThrottle: { maxFailures: config.LOGIN_MAX_FAILURES_PER_ACCOUNT, windowMs: window, baseLockMs: 60_000, maxLockMs: 3_600_000 },
      ipThrottle: { maxFailures: config.LOGIN_MAX_FAILURES_PER_IP, windowMs: window, baseLockMs: 60_000, maxLockMs: 3_600_000 },
    },
  };
  const app = createBaseApp(config, deps);
  // This service verifies its own tokens from its own key table: no HTTP call to itself.
  // The key store already limits how often unknown kids reach the database.
  registerAuthentication(app, createTokenVerifier({ loadKeys: () => keys.jwks(), minRefreshIntervalMs: 0, now }));
  registerSignUp(app, ctx);
  registerSessions(app, ctx);
  registerMe(app, ctx);
  registerKeys(app, ctx);
  app.addHook('onClose', async () => {
    await rw.close();
    if (!deps.reads) await reads.close();
  });
  // Outbox rows written with each state change reach the event log through this relay.
  relayOutboxToLog(app, deps, config);
  return app;
}
