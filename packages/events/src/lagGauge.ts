import { Gauge, type Registry } from 'prom-client';

/**
 * Exposes a consumer group's lag (events in its topics not yet processed, on
 * whichever bus backend) as the gauge event_consumer_lag{group}, read at
 * scrape time. A scrape never waits on a slow or unreachable bus for more
 * than `timeoutMs`: the gauge then keeps its last value. subscribe() sets it up.
 */
export function observeConsumerLag(
  registry: Registry,
  group: string,
  lag: () => Promise<number> | undefined,
  timeoutMs = 1000,
): void {
  new Gauge({
    name: 'event_consumer_lag',
    help: 'Events in the subscribed topics not yet processed by the consumer group',
    labelNames: ['group'],
    registers: [registry],
    async collect() {
      const reading = lag();
      if (!reading) return;
      const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref());
      const value = await Promise.race([reading.catch(() => undefined), timeout]);
      if (value !== undefined) this.set({ group }, value);
    },
  });
}
