import { join } from 'node:path';
import { EmbeddedPostgres, provisionServiceDatabases, type ServiceDatabase } from '@shop/data';
import { loadOrCreateSecrets } from './secrets.ts';

export interface DataLayer {
  /** Where the server is, for the table (no credentials). */
  describe: string;
  kind: 'embedded' | 'external';
  pid: number | undefined;
  port: number;
  databases: Map<string, ServiceDatabase>;
  stop(): Promise<void>;
}

export interface DataLayerOptions {
  dataDir: string;
  externalUrl: string | undefined;
  embeddedPort: number;
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
    server = new EmbeddedPostgres({ dataDir: join(options.dataDir, 'postgres'), port: options.embeddedPort, password: secrets.postgres, log: options.log });
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
    return {
      kind: server ? 'embedded' : 'external',
      describe: `postgres://${url.hostname}:${url.port || 5432}`,
      pid: server?.pid,
      port: Number(url.port || 5432),
      databases: new Map(provisioned.map((d) => [d.service, d])),
      stop: async () => {
        await server?.stop();
      },
    };
  } catch (error) {
    await server?.stop();
    throw error;
  }
}
