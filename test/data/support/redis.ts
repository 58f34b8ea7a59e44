// The machine's Redis for suites that run against it too: a skip reason, or
// false; with CI=true an unreachable Redis throws instead.
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisSkip(): Promise<string | false> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return false;
  } catch (error) {
    const problem = `Redis at ${REDIS_URL} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true') throw new Error(`${problem} (CI=true: a failure, not a skip)`, { cause: error });
    return problem;
  } finally {
    redis.disconnect();
  }
}
