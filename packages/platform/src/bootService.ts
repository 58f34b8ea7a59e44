import { setTimeout as sleep } from 'node:timers/promises';
import { Database, DatabaseUnavailableError, PoolExhaustedError, migrate, readMigrations } from '@shop/data';
import { ConfigError, baseServiceSpec, loadConfig, type BaseServiceConfig, type ConfigOf } from './config.ts';
import { createServiceApp, type Lifecycle, type ServiceApp } from './createServiceApp.ts';
import { AppError } from './errors.ts';
import { createLogger, type Logger } from './logger.ts';
import { ServiceMetrics } from './metrics.ts';
import { serve } from './serve.ts';

type Spec = Parameters<typeof loadConfig>[0];

/** What every service's createApp receives: its I/O, built once in main, passed in. */
export interface ServiceDeps {
  service: string;
  logger: Logger;
  metrics: ServiceMetrics;
  db: Database;
  lifecycle: Lifecycle;
}

export interface ServiceDefinition<S extends Spec> {
  name: string;
  /** Variables this service needs beyond the base set. */
  configSpec: S;
  migrations: URL;
  createApp: (config: BaseServiceConfig & ConfigOf<S>, deps: ServiceDeps) => ServiceApp | Promise<ServiceApp>;
}

/** The service's base app: platform routes, its database as a readiness dependency, data errors mapped to 503. */
export function createBaseApp(config: BaseServiceConfig, deps: ServiceDeps): ServiceApp {
  const app = createServiceApp({
    service: deps.service,
    instance: config.INSTANCE_ID,
    region: config.REGION,
    logger: deps.logger,
    metrics: deps.metrics,
    lifecycle: deps.lifecycle,
    bodyLimit: config.BODY_LIMIT_BYTES,
    readiness: [{ name: 'database', check: (signal) => deps.db.ping(signal) }],
    errorMappers: [dataError],
  });
  return app;
}

/** Maps data-layer failures to the catalogue: capacity and outages are 503s a client may retry. */
export function dataError(error: unknown): AppError | undefined {
  if (error instanceof PoolExhaustedError) return new AppError('POOL_EXHAUSTED', { retryAfter: 1, cause: error });
  if (error instanceof DatabaseUnavailableError) return new AppError('DEPENDENCY_UNAVAILABLE', { retryAfter: 1, detail: 'The database is unreachable', cause: error });
  return undefined;
}

/**
 * The whole of a service's main: validate config (exit 78 naming the bad
 * variable), build logger, metrics and pool, apply migrations (waiting for the
 * database if it is not up yet), build the app and serve it.
 */
export async function bootService<S extends Spec>(definition: ServiceDefinition<S>, env: Record<string, string | undefined>): Promise<void> {
  let config: BaseServiceConfig & ConfigOf<S>;
  try {
    config = loadConfig({ ...baseServiceSpec, ...definition.configSpec }, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.name}-service: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger({ service: definition.name, instance: config.INSTANCE_ID, region: config.REGION, level: config.LOG_LEVEL });
  const metrics = new ServiceMetrics({ service: definition.name, instance: config.INSTANCE_ID, region: config.REGION });
  const db = new Database({
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_MAX,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    applicationName: config.INSTANCE_ID,
  });
  metrics.observePool('primary', () => db.stats());
  const lifecycle: Lifecycle = { draining: false };

  const migrations = await readMigrations(definition.migrations);
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await migrate(db, migrations, { lockKey: `${definition.name}:migrations` });
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      break;
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError || error instanceof PoolExhaustedError)) throw error;
      const wait = Math.min(5000, 100 * 2 ** attempt);
      logger.warn({ attempt, waitMs: wait, err: error.message }, 'database not reachable yet; retrying migrations');
      await sleep(wait);
    }
  }

  const app = await definition.createApp(config, { service: definition.name, logger, metrics, db, lifecycle });
  await serve(app, {
    host: config.HOST,
    port: config.PORT,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    exitWithParent: env.SHOP_SUPERVISED === '1',
    onClose: [() => db.close()],
  });
  logger.info({ port: config.PORT, host: config.HOST }, 'listening');
}
