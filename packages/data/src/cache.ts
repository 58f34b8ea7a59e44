import { Redis } from 'ioredis';

/**
 * The cache port for cache-aside reads. Values are JSON. Two adapters behind
 * one resolve(): an in-process LRU (the default, per instance) and Redis
 * (shared by all instances, so one delete invalidates everywhere).
 */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Drops every entry of this cache (its prefix, for Redis). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get<T>(key: string): Promise<T | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return Promise.resolve(undefined);
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return Promise.resolve(undefined);
    }
    // Least recently used goes first: re-inserting moves the key to the back.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return Promise.resolve(JSON.parse(entry.value) as T);
  }

  set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, { value: JSON.stringify(value), expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.#entries.clear();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.clear();
  }
}

export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'cache:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const text = await this.#redis.get(this.#prefix + key);
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }

  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(
        cursor,
        'MATCH',
        `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
        'COUNT',
        500,
      );
      if (keys.length > 0) await this.#redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    // quit() needs a live connection; one that never came up is just dropped.
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }
}

/** "memory" (or nothing) for the in-process cache, "redis://..." for Redis: the embedded-or-real switch in one place. */
export function resolveCache(url: string | undefined, options: { prefix?: string; maxEntries?: number } = {}): Cache {
  if (!url || url === 'memory') return new MemoryCache({ maxEntries: options.maxEntries });
  if (!/^rediss?:\/\//.test(url)) throw new Error(`Unsupported cache URL ${url}: use memory or redis://`);
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', () => undefined);
  return new RedisCache(redis, options.prefix);
}
