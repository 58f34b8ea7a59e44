import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { observeConsumerLag } from './lagGauge.ts';

test('event_consumer_lag reads the group lag at scrape time and keeps its last value when the bus is slow or down', async () => {
  const registry = new Registry();
  let next: () => Promise<number> | undefined = () => undefined;
  observeConsumerLag(registry, 'notification', () => next(), 50);
  assert.doesNotMatch(await registry.metrics(), /event_consumer_lag\{/, 'no value before the consumer runs');
  next = () => Promise.resolve(42);
  assert.match(await registry.metrics(), /event_consumer_lag\{group="notification"\} 42/);
  next = () => new Promise<number>(() => undefined);
  assert.match(
    await registry.metrics(),
    /event_consumer_lag\{group="notification"\} 42/,
    'a hanging bus does not hold the scrape',
  );
  next = () => Promise.reject(new Error('bus down'));
  assert.match(await registry.metrics(), /event_consumer_lag\{group="notification"\} 42/);
});
