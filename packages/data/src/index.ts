export {
  Database,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  PoolExhaustedError,
  type DatabaseOptions,
  type PoolStats,
  type Queryable,
  type QueryResultRow,
} from './database.ts';
export { migrate, readMigrations, MigrationError, type Migration } from './migrate.ts';
export {
  provisionServiceDatabases,
  dropServiceDatabases,
  serviceDatabaseName,
  withCredentials,
  onReplica,
  type ServiceDatabase,
  type ProvisionOptions,
} from './provision.ts';
export { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embeddedPostgres.ts';
export { PgRegistry } from './pgRegistry.ts';
export {
  ReadRouter,
  type ReplicaStatus,
  type ReplicaState,
  type ReadRouterOptions,
  type ReadOptions,
  type ReadSource,
  type ReadStats,
  type ReadTarget,
  type Reads,
} from './replicas.ts';
export { probeStandby } from './standby.ts';
export { parseLsn, formatLsn, maxLsn, isLsn } from './lsn.ts';
export { CONSISTENCY_HEADER, ConsistencyTracker, ReadYourWrites, formatToken, tokenPosition } from './consistency.ts';
export { MemoryCache, RedisCache, resolveCache, type Cache } from './cache.ts';
export { cacheAside, type CacheAside } from './cacheAside.ts';
export { startPeriodic, type Periodic, type PeriodicOptions } from './periodic.ts';
export { claimStale, type ClaimStaleOptions } from './claimStale.ts';
export { transactional, type Store } from './store.ts';
