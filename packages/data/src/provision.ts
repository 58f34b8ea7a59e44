import pg from 'pg';

export interface ServiceDatabase {
  service: string;
  database: string;
  role: string;
  /** The service's own connection string: its role, its database, nothing else. */
  url: string;
}

export interface ProvisionOptions {
  /** Superuser (or CREATEROLE + CREATEDB) connection to the server. */
  adminUrl: string;
  services: readonly string[];
  /** Namespaces databases and roles so several stacks can share one server. */
  prefix: string;
  password: (service: string) => string;
}

const NAME = /^[a-z][a-z0-9_]{0,40}$/;

export function serviceDatabaseName(prefix: string, service: string): string {
  const name = `${prefix}_${service}`;
  if (!NAME.test(name))
    throw new Error(`Invalid database name ${JSON.stringify(name)}: use lowercase letters, digits and _`);
  return name;
}

export function withCredentials(serverUrl: string, user: string, password: string, database: string): string {
  const url = new URL(serverUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A service's URL on a replica of its server: the same role, password,
 * database and parameters, the replica's host and port (a physical replica
 * has the primary's roles and databases).
 */
export function onReplica(serviceUrl: string, replicaUrl: string): string {
  const url = new URL(serviceUrl);
  const replica = new URL(replicaUrl);
  url.hostname = replica.hostname;
  url.port = replica.port;
  return url.toString();
}

/**
 * Gives every service its own database and its own login role, and makes the
 * boundary a PostgreSQL rule rather than a convention: CONNECT on a service's
 * database is revoked from PUBLIC, so no other service's role can even open it.
 * Idempotent, and safe when two launchers provision the same server at once.
 */
export async function provisionServiceDatabases(options: ProvisionOptions): Promise<ServiceDatabase[]> {
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    const result: ServiceDatabase[] = [];
    for (const service of options.services) {
      const name = serviceDatabaseName(options.prefix, service);
      const password = options.password(service);
      const role = admin.escapeIdentifier(name);
      await ignoringDuplicates(() => admin.query(`CREATE ROLE ${role} LOGIN`));
      await admin.query(
        `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${admin.escapeLiteral(password)}`,
      );
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        await ignoringDuplicates(() =>
          admin.query(`CREATE DATABASE ${role} OWNER ${role} ENCODING 'UTF8' TEMPLATE template0`),
        );
      }
      await admin.query(`ALTER DATABASE ${role} OWNER TO ${role}`);
      await admin.query(`REVOKE ALL ON DATABASE ${role} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${role} TO ${role}`);
      result.push({
        service,
        database: name,
        role: name,
        url: withCredentials(options.adminUrl, name, password, name),
      });
    }
    return result;
  } finally {
    await admin.end();
  }
}

/** Drops what provisionServiceDatabases made (tests clean up after themselves with it). */
export async function dropServiceDatabases(options: Omit<ProvisionOptions, 'password'>): Promise<void> {
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    for (const service of options.services) {
      const name = admin.escapeIdentifier(serviceDatabaseName(options.prefix, service));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${name}`);
    }
  } finally {
    await admin.end();
  }
}

async function ignoringDuplicates(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 42710 duplicate_object, 42P04 duplicate_database, 23505 a concurrent creator won the race.
    if (code !== '42710' && code !== '42P04' && code !== '23505') throw error;
  }
}
