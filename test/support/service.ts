import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Database, dropServiceDatabases, migrate, provisionServiceDatabases, readMigrations } from '@shop/data';
import {
  baseServiceSpec,
  createLogger,
  loadConfig,
  ServiceMetrics,
  type BaseServiceConfig,
  type ServiceApp,
  type ServiceDeps,
} from '@shop/platform';
import { repoRoot } from './launcher.ts';
import { uniquePrefix } from './postgres.ts';

export interface ServiceUnderTest<C> {
  app: ServiceApp;
  db: Database;
  config: C;
  /** Base URL when started with `listen: true`. */
  url: string | undefined;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * One service, built by its own createApp on a real PostgreSQL: a fresh
 * database and role provisioned on `adminUrl` (an embedded test cluster or the
 * machine's server), its migrations applied, real deps. Use `app.inject()` for
 * HTTP-level tests, or `listen: true` when another process must reach it.
 */
export async function startServiceForTest<C extends BaseServiceConfig>(options: {
  service: string;
  adminUrl: string;
  createApp: (config: C, deps: ServiceDeps) => ServiceApp | Promise<ServiceApp>;
  /** Extra environment for the service's config spec (strings, as in production). */
  env?: Record<string, string>;
  /** The service's extra config spec, if any (merged with the base spec). */
  configSpec?: Parameters<typeof loadConfig>[0];
  listen?: boolean;
  poolMax?: number;
}): Promise<ServiceUnderTest<C>> {
  const prefix = uniquePrefix(options.service.slice(0, 4));
  const [provisioned] = await provisionServiceDatabases({
    adminUrl: options.adminUrl,
    services: [options.service],
    prefix,
    password: () => `pw-${prefix}`,
  });
  const databaseUrl = provisioned!.url;
  const instance = `${options.service}-test`;
  const config = loadConfig(
    { ...baseServiceSpec, ...options.configSpec },
    {
      PORT: '0',
      INSTANCE_ID: instance,
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: String(options.poolMax ?? 5),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
  ) as C;
  const db = new Database({
    connectionString: databaseUrl,
    max: config.DB_POOL_MAX,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
  });
  await migrate(db, await readMigrations(pathToFileURL(join(repoRoot, 'services', options.service, 'migrations/'))));
  const identity = { service: options.service, instance, region: config.REGION };
  const deps: ServiceDeps = {
    service: options.service,
    db,
    logger: createLogger({ ...identity, level: config.LOG_LEVEL }),
    metrics: new ServiceMetrics(identity),
    lifecycle: { draining: false },
  };
  const app = await options.createApp(config, deps);
  let url: string | undefined;
  if (options.listen) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  } else {
    await app.ready();
  }
  return {
    app,
    db,
    config,
    url,
    databaseUrl,
    close: async () => {
      await app.close();
      await db.close();
      await dropServiceDatabases({ adminUrl: options.adminUrl, services: [options.service], prefix });
    },
  };
}
