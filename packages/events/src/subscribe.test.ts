import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import type { Database } from '@shop/data';
import { createLogger } from '@shop/platform';
import type { ConsumerHandle, SubscribeOptions } from './bus.ts';
import { subscribe } from './subscribe.ts';

const logger = createLogger({ service: 'test', instance: 'test', region: 'test', level: 'silent' });
const db = {} as Database;

test('subscribe starts the group on the given bus, exposes its lag, and stops it when the app closes', async () => {
  const subscribed: SubscribeOptions[] = [];
  let stopped = 0;
  const handle: ConsumerHandle = {
    stop: () => {
      stopped += 1;
      return Promise.resolve();
    },
    lag: () => Promise.resolve(7),
  };
  const bus = {
    subscribe: (options: SubscribeOptions) => {
      subscribed.push(options);
      return handle;
    },
  };
  const app = Fastify();
  const registry = new Registry();
  const handler = () => Promise.resolve();
  const subscription = subscribe(
    app,
    { db, logger, metrics: { registry } },
    {
      group: 'g',
      topics: ['order'],
      handle: handler,
      settings: {},
      bus,
      instanceId: 'i-1',
      consumer: { maxAttempts: 3 },
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(subscription.consumer(), handle);
  const [options] = subscribed;
  assert.deepEqual(
    [options?.group, options?.topics, options?.instanceId, options?.maxAttempts],
    ['g', ['order'], 'i-1', 3],
  );
  assert.equal(options?.handle, handler);
  assert.equal(options?.db, db);
  assert.match(await registry.metrics(), /event_consumer_lag\{group="g"\} 7/);
  await app.close();
  assert.equal(stopped, 1);
});

test('subscribe refuses at once when there is no bus to consume from', () => {
  assert.throws(
    () =>
      subscribe(
        Fastify(),
        { db, logger, metrics: { registry: new Registry() } },
        { group: 'g', topics: ['order'], handle: () => Promise.resolve(), settings: {} },
      ),
    /The g consumer needs NATS_URL or EVENTS_DATABASE_URL/,
  );
});
