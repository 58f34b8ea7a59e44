// Starts the user service for a test file, with its own config spec and an optional fake clock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { configSpec, createApp, type UserConfig } from '@shop/user-service';
import type { LightMyRequestResponse } from 'fastify';
import type { ReadRouter } from '@shop/data';
import type { PemBundle } from '@shop/mesh';
import { createLogger, ServiceMetrics, type Logger, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { routerFor } from '../data/support/replica.ts';
import type { TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';

export type UserService = ServiceUnderTest<UserConfig> & {
  /** The instance's read router (over the primary only unless started with `replicaUrl`). */
  reads: ReadRouter;
};

/** A key-encryption key for the signing keys, as the launcher makes one (SIGNING_KEY_KEK_FILE is required). */
export async function kekFile(): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'user-kek-')), 'signing-kek');
  await writeFile(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return file;
}

/**
 * Defaults of these tests: a KEK file, and sign-up limits out of the way (the
 * tests sign up many accounts from one address; signUpLimits.test.ts tests the
 * limits with the service's own defaults).
 */
async function testEnv(
  env: Record<string, string> = {},
): Promise<{ env: Record<string, string>; cleanUp: () => Promise<void> }> {
  const own = env.SIGNING_KEY_KEK_FILE ? undefined : await kekFile();
  return {
    env: {
      SIGNUP_MAX_PER_ADDRESS: '100000',
      SIGNUP_MAX_PER_SEC: '100000',
      ...(own ? { SIGNING_KEY_KEK_FILE: own } : {}),
      ...env,
    },
    cleanUp: async () => {
      if (own) await rm(dirname(own), { recursive: true, force: true });
    },
  };
}

export async function startUserService(
  cluster: Pick<TestCluster, 'adminUrl'>,
  options: {
    env?: Record<string, string>;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    /** Admin URL of a streaming replica of the cluster. */ replicaUrl?: string;
  } = {},
): Promise<UserService> {
  let reads: ReadRouter | undefined;
  const { env, cleanUp } = await testEnv(options.env);
  const service = await startServiceForTest<UserConfig>({
    service: 'user',
    adminUrl: cluster.adminUrl,
    configSpec,
    env,
    createApp: async (config, deps) => {
      reads = await routerFor(deps.db, config.DATABASE_URL, options.replicaUrl);
      return createApp(config, { ...deps, reads }, { now: options.now, sleep: options.sleep });
    },
  });
  const router = reads!;
  return {
    ...service,
    reads: router,
    close: async () => {
      await service.close();
      await router.close();
      await cleanUp();
    },
  };
}

/** Another instance on the same database and, with `replicaUrl`, the same replica; its router is closed with it. */
export async function anotherInstanceOnReplica(
  service: UserService,
  replicaUrl: string,
  instance = 'user-test-2',
): Promise<{ app: ServiceApp; reads: ReadRouter }> {
  const identity = { service: 'user', instance, region: service.config.REGION };
  const reads = await routerFor(service.db, service.databaseUrl, replicaUrl);
  const deps: ServiceDeps = {
    service: 'user',
    db: service.db,
    reads,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    lifecycle: { draining: false },
  };
  const app = await createApp(service.config, deps);
  app.addHook('onClose', () => reads.close());
  await app.ready();
  return { app, reads };
}

/** Another instance of the service on the same database, as a second process would be. */
export async function anotherInstance(
  service: UserService,
  options: {
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
    instance?: string;
    config?: Partial<UserConfig>;
    logger?: Logger;
    tls?: PemBundle;
  } = {},
): Promise<ServiceApp> {
  const identity = { service: 'user', instance: options.instance ?? 'user-test-2', region: service.config.REGION };
  const deps: ServiceDeps = {
    service: 'user',
    db: service.db,
    logger: options.logger ?? createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    lifecycle: { draining: false },
    ...(options.tls ? { tls: options.tls } : {}),
  };
  const app = await createApp({ ...service.config, ...options.config }, deps, {
    now: options.now,
    sleep: options.sleep,
  });
  await app.ready();
  return app;
}

export const PASSWORD = 'correct horse battery staple';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

export async function signUp(
  app: ServiceApp,
  email: string,
  password = PASSWORD,
  name = 'Test User',
): Promise<{ id: string; role: string }> {
  const response = await app.inject({ method: 'POST', url: '/users', payload: { email, password, name } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

export async function logIn(
  app: ServiceApp,
  email: string,
  password = PASSWORD,
  remoteAddress = '10.0.0.1',
): Promise<Tokens> {
  const response = await app.inject({
    method: 'POST',
    url: '/users/sessions',
    payload: { email, password },
    remoteAddress,
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

export function refresh(app: ServiceApp, refreshToken: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/users/sessions/refresh', payload: { refreshToken } });
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
