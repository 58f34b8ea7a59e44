import type { ConsumerHandle, EventBus, SubscribeOptions } from './bus.ts';

export interface ConsumerOptions extends SubscribeOptions {
  log: Pick<EventBus, 'subscribe'>;
}

/**
 * Starts a member of consumer group `group` on `topics`: each partition is
 * read in order by one member at a time; `handle` runs in a transaction on the
 * consumer's own database together with the processed_events inbox insert
 * (a redelivered event is skipped: exactly-once effect); the group's offset is
 * committed after. Failures retry with `backoff`; after `maxAttempts` the event
 * goes to the dead letters and the partition moves on.
 */
export function startConsumer(options: ConsumerOptions): ConsumerHandle {
  const { log, ...subscription } = options;
  return log.subscribe(subscription);
}
