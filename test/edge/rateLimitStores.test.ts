// One contract for every rate-limit store: in memory, and Redis (shared by all
// gateway instances). With CI=true an unreachable Redis fails, not skips.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { FallbackRateLimitStore, MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from '@shop/gateway';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisOrSkip(): Promise<Redis | string> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const reason = `Redis at ${REDIS_URL} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true')
      throw new Error(`${reason} (CI=true: an unreachable engine is a failure, not a skip)`, { cause: error });
    return reason;
  }
}

const redis = await redisOrSkip();
after(() => {
  if (typeof redis !== 'string') redis.disconnect();
});

const stores: Array<{ name: string; make: () => RateLimitStore; skip?: string }> = [
  { name: 'memory', make: () => new MemoryRateLimitStore() },
  typeof redis === 'string'
    ? { name: 'redis', make: () => new MemoryRateLimitStore(), skip: redis }
    : { name: 'redis', make: () => new RedisRateLimitStore(redis, `test:${randomUUID()}:`) },
];

for (const { name, make, skip } of stores) {
  describe(`rate-limit store: ${name}`, { skip: skip ?? false }, () => {
    test('a burst is allowed up to its size, then refused with Retry-After', async () => {
      const store = make();
      const decisions = [];
      for (let i = 0; i < 12; i++) decisions.push(await store.take('u1', 10, 10, 1_000_000));
      assert.equal(decisions.filter((d) => d.allowed).length, 10);
      assert.deepEqual(
        decisions.slice(0, 3).map((d) => d.remaining),
        [9, 8, 7],
      );
      assert.equal(decisions[11]!.allowed, false);
      assert.equal(decisions[11]!.retryAfterSec, 1);
    });

    test('capacity comes back at the rate, one interval at a time', async () => {
      const store = make();
      for (let i = 0; i < 10; i++) await store.take('u2', 10, 10, 2_000_000);
      assert.equal((await store.take('u2', 10, 10, 2_000_050)).allowed, false);
      assert.equal((await store.take('u2', 10, 10, 2_000_100)).allowed, true);
      assert.equal((await store.take('u2', 10, 10, 2_000_100)).allowed, false);
    });

    test('keys are independent', async () => {
      const store = make();
      for (let i = 0; i < 3; i++) await store.take('a', 1, 3, 3_000_000);
      assert.equal((await store.take('a', 1, 3, 3_000_000)).allowed, false);
      assert.equal((await store.take('b', 1, 3, 3_000_000)).allowed, true);
    });
  });
}

test('two gateways sharing Redis share one budget', { skip: typeof redis === 'string' ? redis : false }, async () => {
  if (typeof redis === 'string') return;
  const prefix = `test:${randomUUID()}:`;
  const [a, b] = [new RedisRateLimitStore(redis, prefix), new RedisRateLimitStore(redis, prefix)];
  let allowed = 0;
  for (let i = 0; i < 10; i++) allowed += (await (i % 2 ? a : b).take('shared', 5, 5, 4_000_000)).allowed ? 1 : 0;
  assert.equal(allowed, 5);
});

test('an unreachable shared store degrades to per-instance limits instead of failing requests', async () => {
  const broken: RateLimitStore = { take: () => Promise.reject(new Error('ECONNREFUSED')) };
  const errors: unknown[] = [];
  const store = new FallbackRateLimitStore(broken, new MemoryRateLimitStore(), (e) => errors.push(e));
  const decision = await store.take('u', 10, 10, 5_000_000);
  assert.equal(decision.allowed, true);
  assert.equal(errors.length, 1);
});
