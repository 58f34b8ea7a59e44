import { join } from 'node:path';
import { EmbeddedPostgres, onReplica, probeStandby, provisionServiceDatabases, type ServiceDatabase } from '@shop/data';
import { loadOrCreateSecrets } from './secrets.ts';
import { SERVICES, type InstanceSpec } from './topology.ts';

export interface DataLayer {
  /** Where the server is, for the table (no credentials). */
  describe: string;
  kind: 'embedded' | 'external';
  pid: number | undefined;
  port: number;
  databases: Map<string, ServiceDatabase>;
  /** The replicas' addresses, for the table (no credentials). */
  replicas: string[];
  /** A service's own URLs on each replica: its role and database, the replica's host and port. */
  replicaUrlsOf(service: string): string[];
  stop(): Promise<void>;
}

export interface DataLayerOptions {
  dataDir: string;
  externalUrl: string | undefined;
  /** Admin URLs of streaming replicas of externalUrl's server. */
  replicaUrls: readonly string[];
  embeddedPort: number;
  /** max_connections of the embedded server (default 300; see connectionsFor). */
  maxConnections?: number;
  /** Extra settings of the embedded server (ignored for an external one). */
  embeddedSettings?: Readonly<Record<string, string>>;
  prefix: string;
  services: readonly string[];
  log: (line: string) => void;
}

/**
 * Embedded first, real engines the same code: with DATABASE_URL unset a real
 * PostgreSQL starts from the embedded binaries with its data under .data/;
 * with it set, the same provisioning runs against that server.
 */
export async function startDataLayer(options: DataLayerOptions): Promise<DataLayer> {
  const secrets = await loadOrCreateSecrets(join(options.dataDir, 'secrets.json'), options.services);
  let adminUrl: string;
  let server: EmbeddedPostgres | undefined;
  if (options.externalUrl) {
    adminUrl = options.externalUrl;
  } else {
    server = new EmbeddedPostgres({
      dataDir: join(options.dataDir, 'postgres'),
      port: options.embeddedPort,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      password: secrets.postgres,
      settings: options.embeddedSettings,
      log: options.log,
    });
    adminUrl = await server.start();
  }
  try {
    const provisioned = await provisionServiceDatabases({
      adminUrl,
      services: options.services,
      prefix: options.prefix,
      password: (service) => secrets.services[service] ?? '',
    });
    const url = new URL(adminUrl);
    await Promise.all(options.replicaUrls.map((replica) => checkReplica(replica, options.log)));
    const databases = new Map(provisioned.map((d) => [d.service, d]));
    return {
      kind: server ? 'embedded' : 'external',
      describe: address(adminUrl),
      pid: server?.pid,
      port: Number(url.port || 5432),
      databases,
      replicas: options.replicaUrls.map(address),
      replicaUrlsOf: (service) => {
        const own = databases.get(service);
        return own ? options.replicaUrls.map((replica) => onReplica(own.url, replica)) : [];
      },
      stop: async () => {
        await server?.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}

/** The embedded server's max_connections until a topology needs more. */
const MIN_CONNECTIONS = 300;
/** Beyond its pool, what a service instance may hold: registry (2), outbox relay (2) and a consumer's bus (2, its LISTEN among them). */
const PER_SERVICE_EXTRA = 6;
/** A gateway's registry pool. */
const PER_GATEWAY = 2;
/** The launcher, the admin CLI, psql, a bench's statistics reader. */
const SPARE = 20;

/**
 * The connections a topology may open at once: every service instance's pool and its other
 * pools, every gateway's registry pool, and some to spare; never under MIN_CONNECTIONS. A
 * server with fewer refuses the excess (53300, "too many clients"): at the seed topology's 54
 * service instances a fixed 300 was taken at idle already, and instances that could not connect
 * never became ready.
 */
export function connectionsFor(instances: readonly InstanceSpec[], poolMax: number): number {
  const services = instances.filter((i) => (SERVICES as readonly string[]).includes(i.service)).length;
  const gateways = instances.filter((i) => i.service === 'gateway').length;
  return Math.max(MIN_CONNECTIONS, services * (poolMax + PER_SERVICE_EXTRA) + gateways * PER_GATEWAY + SPARE);
}

function address(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `postgres://${url.hostname}:${url.port || 5432}`;
}

/**
 * Says whether a replica is there and streaming. Not fatal either way: the
 * services' read routers skip a replica that is down or not a standby, and
 * use it once it is.
 */
async function checkReplica(replicaUrl: string, log: (line: string) => void): Promise<void> {
  const probe = await probeStandby(replicaUrl);
  if ('error' in probe)
    log(
      `replica ${address(replicaUrl)} is unreachable (${probe.error}): services read from the primary until it answers`,
    );
  else
    log(
      probe.standby
        ? `replica ${address(replicaUrl)}: a standby; services read from it`
        : `replica ${address(replicaUrl)} is not a standby: services will not read from it`,
    );
}
