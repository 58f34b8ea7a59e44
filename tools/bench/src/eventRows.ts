// The event-lag rows of the report: publish-to-effect lag of both bus
// backends at a steady rate (measureEventLag, tools/bench/src/events), on
// scratch databases made on the platform's PostgreSQL and dropped after.
import { randomBytes } from 'node:crypto';
import { dropServiceDatabases, provisionServiceDatabases } from '@shop/data';
import type { EventBackend } from '@shop/events';
import { measureEventLag, type EventLagResult } from './events/lag.ts';

export type EventRow = EventLagResult | { backend: EventBackend; error: string };

export async function runEventLag(options: {
  adminUrl: string;
  natsUrl: string;
  rate: number;
  durationSec: number;
  log?: (line: string) => void;
}): Promise<EventRow[]> {
  const prefix = `benchlag${randomBytes(3).toString('hex')}`;
  const services = ['events', 'consumer'];
  const rows: EventRow[] = [];
  try {
    const dbs = await provisionServiceDatabases({
      adminUrl: options.adminUrl,
      services,
      prefix,
      password: () => `pw-${prefix}`,
    });
    const url = (service: string): string => dbs.find((d) => d.service === service)!.url;
    for (const backend of ['postgres', 'jetstream'] as const) {
      options.log?.(`event lag: ${backend} at ${options.rate}/s for ${options.durationSec} s ...`);
      try {
        const row = await measureEventLag({
          backend,
          natsUrl: options.natsUrl,
          eventsDatabaseUrl: url('events'),
          consumerDatabaseUrl: url('consumer'),
          rate: options.rate,
          durationSec: options.durationSec,
        });
        rows.push(row);
        options.log?.(`event lag: ${backend} p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        rows.push({ backend, error: message });
        options.log?.(`event lag: ${backend} failed: ${message.split('\n')[0]}`);
      }
    }
  } finally {
    await dropServiceDatabases({ adminUrl: options.adminUrl, services, prefix }).catch(() => undefined);
  }
  return rows;
}
