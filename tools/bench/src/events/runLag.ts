// Try the event-lag bench on its own:
//   node tools/bench/src/events/runLag.ts [--backend postgres,jetstream] [--rate 1000] [--duration 5]
// It makes scratch databases on DATABASE_URL (default: the machine's PostgreSQL
// on 5432) and drops them after; JetStream at NATS_URL (default 127.0.0.1:4222)
// in a namespace of its own, deleted after.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { dropServiceDatabases, provisionServiceDatabases } from '@shop/data';
import type { EventBackend } from '@shop/events';
import { measureEventLag, type EventLagResult } from './lag.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'postgres,jetstream' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '5' },
  },
});
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const prefix = `benchlag${randomBytes(3).toString('hex')}`;
const services = ['events', 'consumer'];
const dbs = await provisionServiceDatabases({ adminUrl, services, prefix, password: () => `pw-${prefix}` });
const url = (service: string): string => dbs.find((d) => d.service === service)!.url;

const results: EventLagResult[] = [];
try {
  for (const backend of values.backend.split(',') as EventBackend[]) {
    process.stdout.write(`event lag: ${backend} at ${values.rate}/s for ${values.duration} s ... `);
    const result = await measureEventLag({
      backend,
      natsUrl,
      eventsDatabaseUrl: url('events'),
      consumerDatabaseUrl: url('consumer'),
      rate: Number(values.rate),
      durationSec: Number(values.duration),
    });
    results.push(result);
    process.stdout.write(`p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms\n`);
  }
} finally {
  await dropServiceDatabases({ adminUrl, services, prefix });
}
console.table(results);
