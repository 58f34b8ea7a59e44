import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PemBundle } from '@shop/mesh';
import {
  Database,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  PgRegistry,
  PoolExhaustedError,
  ReadRouter,
  migrate,
  readMigrations,
} from '@shop/data';
import {
  defaultMeshPolicy,
  startRegistration,
  watchServices,
  type InstanceRecord,
  type Registration,
} from '@shop/mesh';
import { ConfigError, type ConfigOf, type Spec } from './config.ts';
import { baseServiceSpec } from './config/pieces.ts';
import { createServiceApp, type Lifecycle, type ServiceApp } from './createServiceApp.ts';
import { AppError } from './errors.ts';
import type { Logger } from './logger.ts';
import { ServiceMetrics } from './metrics.ts';
import { createPeerClient, parsePeerUrls, type PeerClient } from './peers.ts';
import { serveProcess, startProcess } from './startProcess.ts';

type BaseServiceConfig = ConfigOf<typeof baseServiceSpec>;

/** What every service's createApp receives: its I/O, built once in main, passed in. */
export interface ServiceDeps {
  service: string;
  logger: Logger;
  metrics: ServiceMetrics;
  db: Database;
  /**
   * Reads that may go to a streaming replica (DATABASE_REPLICA_URLS), with
   * read-your-writes by `minLsn`; over the primary only when there are none.
   * Optional so hand-built deps (tests) need not make one: use
   * `deps.reads ?? new ReadRouter(deps.db, [])`.
   */
  reads?: ReadRouter;
  lifecycle: Lifecycle;
  /** This instance's mesh certificate: when set, it serves mTLS and calls peers over mTLS. */
  tls?: PemBundle;
  /**
   * The mesh client for another service (its instances from PEER_<SERVICE>_URLS),
   * made once and closed on shutdown. Throws if none are configured.
   */
  peer?: (service: string) => PeerClient;
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
    tls: deps.tls,
    maxConcurrentRequests: config.MAX_CONCURRENT_REQUESTS,
  });
  return app;
}

/** Maps data-layer failures to the catalogue: capacity and outages are 503s a client may retry. */
export function dataError(error: unknown): AppError | undefined {
  if (error instanceof PoolExhaustedError) return new AppError('POOL_EXHAUSTED', { retryAfter: 1, cause: error });
  if (error instanceof DatabaseUnavailableError)
    return new AppError('DEPENDENCY_UNAVAILABLE', {
      retryAfter: 1,
      detail: 'The database is unreachable',
      cause: error,
    });
  // Past the statement timeout under load: as retryable as an exhausted pool, never a 500.
  if (error instanceof DatabaseTimeoutError)
    return new AppError('DEPENDENCY_UNAVAILABLE', { retryAfter: 1, detail: error.message, cause: error });
  return undefined;
}

/**
 * Connections a service opens before it builds its app and listens (so before /ready can say
 * yes): its start-up queries and first requests then find them open instead of each paying a
 * connection set-up while the machine is at its busiest. Not the whole pool: at the seed
 * topology's 54 service instances, that would be 540 connections held for nothing. (A candidate
 * for the service config: DB_POOL_WARM.)
 */
const WARM_CONNECTIONS = 4;

/**
 * The whole of a service's main: validate config (exit 78 naming the bad
 * variable), build logger, metrics and pool, apply migrations (waiting for the
 * database if it is not up yet), warm the pool, build the app and serve it (and its ops listener).
 */
export async function bootService<S extends Spec>(
  definition: ServiceDefinition<S>,
  env: Record<string, string | undefined>,
): Promise<void> {
  const spec = { ...baseServiceSpec, ...definition.configSpec };
  const started = startProcess({ service: definition.name, configName: `${definition.name}-service`, spec }, env);
  const config = started.config as ServiceConfig<S>;
  const { identity, logger } = started;
  const metrics = new ServiceMetrics(identity);
  const { db, reads } = openDatabase(config, metrics, logger);
  const lifecycle: Lifecycle = { draining: false };
  const tls = await loadMeshTls(config);
  const discovery = createDiscovery(config, logger);
  const peers = new Map<string, PeerClient>();
  const peer = peerFactory({ caller: definition.name, config, tls, logger, discovery, peers });
  await migrateWhenReachable({ db, reads, logger, name: definition.name, migrations: definition.migrations });
  await warmPool(db, Math.min(WARM_CONNECTIONS, config.DB_POOL_MAX), logger);
  const app = await definition.createApp(config, {
    service: definition.name,
    logger,
    metrics,
    db,
    reads,
    lifecycle,
    tls,
    peer,
  });
  const registration = discovery?.register({
    ...identity,
    instanceId: config.INSTANCE_ID,
    url: `${tls ? 'https' : 'http'}://${config.HOST}:${config.PORT}`,
    ...(config.OPS_PORT > 0 ? { opsUrl: `http://${config.OPS_HOST}:${config.OPS_PORT}` } : {}),
  });
  await serveProcess(
    app,
    { ...started, config },
    {
      lifecycle,
      onDrain: registration ? [() => registration.stop()] : [],
      onClose: [
        () => Promise.all([...peers.values()].map((p) => p.close())).then(() => undefined),
        () => reads.close(),
        () => db.close(),
        () => discovery?.close() ?? Promise.resolve(),
      ],
    },
  );
}

/**
 * A service's main.ts in one call: `await runService(import.meta.url, { name, configSpec, createApp },
 * process.env)`. The migrations are the service's own `migrations/` folder beside its `src/`.
 */
export function runService<S extends Spec>(
  mainUrl: string,
  definition: Omit<ServiceDefinition<S>, 'migrations'>,
  env: Record<string, string | undefined>,
): Promise<void> {
  return bootService({ ...definition, migrations: new URL('../migrations/', mainUrl) }, env);
}

type ServiceConfig<S extends Spec> = BaseServiceConfig & ConfigOf<S>;

/** The primary's pool and the replica router, both observed by metrics. */
function openDatabase(
  config: BaseServiceConfig,
  metrics: ServiceMetrics,
  logger: Logger,
): { db: Database; reads: ReadRouter } {
  const db = new Database({
    connectionString: config.DATABASE_URL,
    max: config.DB_POOL_MAX,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    applicationName: config.INSTANCE_ID,
  });
  metrics.observePool('primary', () => db.stats());
  const reads = new ReadRouter(db, config.DATABASE_REPLICA_URLS, {
    // A replica's pool gives up sooner than the primary's: the primary takes the read instead.
    pool: {
      max: config.DB_POOL_MAX,
      acquireTimeoutMs: Math.min(config.DB_ACQUIRE_TIMEOUT_MS, 500),
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      applicationName: `${config.INSTANCE_ID}-replica`,
    },
  });
  metrics.observeReplicas(reads);
  if (reads.hasReplicas) logger.info({ replicas: reads.status().map((r) => r.url) }, 'reads may go to replicas');
  return { db, reads };
}

/**
 * deps.peer: the mesh client for another service, from its PEER_<SERVICE>_URLS (as the service's
 * spec declares it), made once, followed by discovery, closed on shutdown.
 */
function peerFactory(context: {
  caller: string;
  config: BaseServiceConfig;
  tls: PemBundle | undefined;
  logger: Logger;
  discovery: Discovery | undefined;
  peers: Map<string, PeerClient>;
}): (service: string) => PeerClient {
  const { config, logger, peers } = context;
  const declared = config as unknown as Record<string, unknown>;
  return (service) => {
    const existing = peers.get(service);
    if (existing) return existing;
    const urls = declared[`PEER_${service.toUpperCase()}_URLS`];
    const client = createPeerClient({
      service,
      urls: parsePeerUrls(typeof urls === 'string' ? urls : undefined),
      caller: context.caller,
      tls: context.tls,
      policy: { breaker: { ...defaultMeshPolicy.breaker, halfOpenAfterMs: config.MESH_BREAKER_OPEN_MS } },
      onEvent: (event) => logger.warn({ mesh: event }, `mesh ${event.type}`),
    });
    context.discovery?.watch(service, config.REGION, client);
    peers.set(service, client);
    return client;
  };
}

/** Applies the service's migrations, waiting (with backoff) while the database is not reachable yet. */
async function migrateWhenReachable(options: {
  db: Database;
  reads: ReadRouter;
  logger: Logger;
  name: string;
  migrations: URL;
}): Promise<void> {
  const { db, reads, logger } = options;
  const migrations = await readMigrations(options.migrations);
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await migrate(db, migrations, { lockKey: `${options.name}:migrations` });
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
      // No replica answers queries written for this schema before it has it.
      if (reads.hasReplicas) reads.requireAtLeast(await reads.positionAfterWrite());
      return;
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError || error instanceof PoolExhaustedError)) throw error;
      const wait = Math.min(5000, 100 * 2 ** attempt);
      logger.warn({ attempt, waitMs: wait, err: error.message }, 'database not reachable yet; retrying migrations');
      await sleep(wait);
    }
  }
}

/** Opens `count` pool connections; best effort: a failure is logged and the start goes on (the pool connects on demand). */
async function warmPool(db: Database, count: number, logger: Logger): Promise<void> {
  const started = performance.now();
  try {
    await db.warm(count);
    logger.debug({ connections: count, ms: Math.round(performance.now() - started) }, 'database pool warmed');
  } catch (error) {
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'database pool not warmed');
  }
}

/** The mesh's certificate files, as meshSpec declares them (a loaded config, or any record of them). */
export interface MeshTlsSettings {
  MESH_CERT_FILE?: string | undefined;
  MESH_KEY_FILE?: string | undefined;
  MESH_CA_FILE?: string | undefined;
}

/** MESH_CERT_FILE, MESH_KEY_FILE and MESH_CA_FILE: all three switch mTLS on, none leaves it off. */
export async function loadMeshTls(env: MeshTlsSettings): Promise<PemBundle | undefined> {
  const files = [env.MESH_CERT_FILE, env.MESH_KEY_FILE, env.MESH_CA_FILE];
  if (files.every((f) => !f)) return undefined;
  if (files.some((f) => !f))
    throw new ConfigError(['MESH_CERT_FILE, MESH_KEY_FILE and MESH_CA_FILE must be set together']);
  const [cert, key, ca] = await Promise.all(files.map((f) => readFile(f!, 'utf8')));
  return { cert: cert!, key: key!, ca: ca! };
}

/** Registration of this instance and the live view of its peers, from the registry. */
export interface Discovery {
  register(record: InstanceRecord): Registration;
  watch(service: string, region: string, client: PeerClient): void;
  close(): Promise<void>;
}

type Follower = { update(urls: string[]): void };

/**
 * With REGISTRY_DATABASE_URL set, an instance registers itself (heartbeat
 * every second, evicted 3 s after the last one) and its peer clients follow
 * the registry's live view; the PEER_* lists remain the starting point.
 */
export function createDiscovery(
  settings: { REGISTRY_DATABASE_URL?: string | undefined },
  logger: Logger,
): Discovery | undefined {
  const url = settings.REGISTRY_DATABASE_URL;
  if (!url) return undefined;
  const db = new Database({
    connectionString: url,
    max: 2,
    acquireTimeoutMs: 1000,
    statementTimeoutMs: 2000,
    applicationName: 'registry',
  });
  const registry = new PgRegistry(db);
  // Every peer of this process in a region, followed by one poller: one
  // registry query a second per region watched, not one per peer.
  const regions = new Map<string, { targets: Map<string, Follower>; watcher: { stop(): void } }>();
  let failures = 0;
  const onError = (error: unknown): void => {
    if (failures++ % 30 === 0)
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'registry unreachable; keeping the last known instances',
      );
  };
  return {
    register: (record) => startRegistration(registry, record, { intervalMs: 1000, ttlMs: 3000, onError }),
    watch: (service, region, client) => {
      const target = client as PeerClient & { update?: (urls: string[]) => void };
      if (!target.update) return; // a fixed list, nothing to follow
      let followed = regions.get(region);
      if (!followed) {
        const targets = new Map<string, Follower>();
        followed = { targets, watcher: watchServices(registry, region, targets, { intervalMs: 1000, onError }) };
        regions.set(region, followed);
      }
      followed.targets.set(service, target as Follower);
    },
    close: async () => {
      for (const { watcher } of regions.values()) watcher.stop();
      await db.close();
    },
  };
}
