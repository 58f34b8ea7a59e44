export { Database, DatabaseUnavailableError, PoolExhaustedError, type DatabaseOptions, type PoolStats, type Queryable, type QueryResultRow } from './database.ts';
export { migrate, readMigrations, MigrationError, type Migration } from './migrate.ts';
export { provisionServiceDatabases, dropServiceDatabases, serviceDatabaseName, withCredentials, type ServiceDatabase, type ProvisionOptions } from './provision.ts';
export { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embeddedPostgres.ts';
export { PgRegistry } from './pgRegistry.ts';
export { ReadRouter, ConsistencyTracker, parseLsn, type ReplicaStatus, type ReadRouterOptions } from './replicas.ts';
export { MemoryCache, RedisCache, resolveCache, cacheAside, type Cache } from './cache.ts';
