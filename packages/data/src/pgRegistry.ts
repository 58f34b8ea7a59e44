import type { InstanceRecord, Registry } from '@shop/mesh';
import type { Database } from './database.ts';

const SWEEP_EVERY_MS = 30_000;

/**
 * The registry on the shared data store: one row per live instance, its
 * lease renewed by heartbeats. A row whose lease has expired is not listed
 * (the instance died without deregistering) and is swept on later beats.
 */
export class PgRegistry implements Registry {
  readonly #db: Database;
  #ready: Promise<void> | undefined;
  #sweptAt = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  async heartbeat(record: InstanceRecord, ttlMs: number): Promise<void> {
    await this.#schema();
    await this.#db.query(
      `INSERT INTO instances (instance_id, service, region, url, ops_url, expires_at)
       VALUES ($1, $2, $3, $4, $6, now() + make_interval(secs => $5::double precision / 1000))
       ON CONFLICT (instance_id) DO UPDATE SET service = EXCLUDED.service, region = EXCLUDED.region, url = EXCLUDED.url, ops_url = EXCLUDED.ops_url, expires_at = EXCLUDED.expires_at`,
      [record.instanceId, record.service, record.region, record.url, ttlMs, record.opsUrl ?? null],
    );
    // Rows of instances dead for a minute: any beat may sweep them, but none needs to every second.
    if (Date.now() - this.#sweptAt >= SWEEP_EVERY_MS) {
      this.#sweptAt = Date.now();
      await this.#db.query(`DELETE FROM instances WHERE expires_at < now() - interval '1 minute'`);
    }
  }

  async deregister(instanceId: string): Promise<void> {
    await this.#schema();
    await this.#db.query('DELETE FROM instances WHERE instance_id = $1', [instanceId]);
  }

  list(service: string, region: string): Promise<InstanceRecord[]> {
    return this.listMany([service], region);
  }

  async listMany(services: string[], region: string): Promise<InstanceRecord[]> {
    await this.#schema();
    const { rows } = await this.#db.query<{
      instance_id: string;
      service: string;
      region: string;
      url: string;
      ops_url: string | null;
    }>(
      'SELECT instance_id, service, region, url, ops_url FROM instances WHERE service = ANY($1::text[]) AND region = $2 AND expires_at > now() ORDER BY service, instance_id',
      [services, region],
    );
    return rows.map((r) => ({
      instanceId: r.instance_id,
      service: r.service,
      region: r.region,
      url: r.url,
      ...(r.ops_url === null ? {} : { opsUrl: r.ops_url }),
    }));
  }

  #schema(): Promise<void> {
    this.#ready ??= this.#db
      .withClient(async (client) => {
        await client.query("SELECT pg_advisory_lock(hashtext('registry:schema'))");
        try {
          await client.query(`CREATE TABLE IF NOT EXISTS instances (
            instance_id text PRIMARY KEY,
            service text NOT NULL,
            region text NOT NULL,
            url text NOT NULL,
            expires_at timestamptz NOT NULL,
            registered_at timestamptz NOT NULL DEFAULT now()
          )`);
          // Added with the ops listener: a registry made before it gains the column in place.
          await client.query('ALTER TABLE instances ADD COLUMN IF NOT EXISTS ops_url text');
          await client.query(
            'CREATE INDEX IF NOT EXISTS instances_service_region ON instances (service, region, expires_at)',
          );
        } finally {
          await client.query("SELECT pg_advisory_unlock(hashtext('registry:schema'))");
        }
      })
      .catch((error: unknown) => {
        this.#ready = undefined;
        throw error;
      });
    return this.#ready;
  }
}
