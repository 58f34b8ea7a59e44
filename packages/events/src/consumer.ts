import type { ConsumerHandle, EventBus, SubscribeOptions } from './bus.ts';

export interface ConsumerOptions extends SubscribeOptions {
  log: Pick<EventBus, 'subscribe'>;
}

/**
 * Starts a member of consumer group `group` on `topics`, on any EventBus
 * backend: each partition is read in order with one event in flight across the
 * group's members; `handle` runs in a transaction on the consumer's own
 * database together with the processed_events inbox insert (a redelivered event
 * is skipped: exactly-once effect); the event is acknowledged (PostgreSQL: the
 * offset committed; JetStream: acked) only after that commit. Failures retry
 * with `backoff`; after `maxAttempts` the event goes to the dead letters and
 * the partition moves on. Outages of the consumer's database never count.
 */
export function startConsumer(options: ConsumerOptions): ConsumerHandle {
  const { log, ...subscription } = options;
  return log.subscribe(subscription);
}
