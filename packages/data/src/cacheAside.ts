import type { Cache } from './cache.ts';

export interface CacheAside {
  /**
   * The cached value, or `load()`'s (stored for `ttlMs` unless undefined).
   * `accept` can refuse a cached or shared value that is too old for this
   * caller (e.g. read before the caller's own write): it is then loaded again.
   */
  read: <T>(key: string, ttlMs: number, load: () => Promise<T | undefined>, options?: { accept?: (value: T) => boolean }) => Promise<T | undefined>;
  /**
   * Drops the entry; call after the change committed. A load already running
   * for the key does not write its (possibly older) value back.
   */
  invalidate: (key: string) => Promise<void>;
}

/**
 * Cache-aside with single flight: N concurrent misses on one key cause one
 * load, the others wait for it. A cache that errors is bypassed (the loader
 * answers) rather than failing the read.
 */
export function cacheAside(cache: Cache, onError: (error: unknown) => void = () => undefined): CacheAside {
  const inflight = new Map<string, Promise<unknown>>();

  const loadOnce = <T>(key: string, ttlMs: number, load: () => Promise<T | undefined>): Promise<T | undefined> => {
    const entry = Promise.withResolvers<T | undefined>();
    const loading = entry.promise;
    inflight.set(key, loading);
    void (async () => {
      try {
        const value = await load();
        // Not invalidated (nor superseded) while loading: safe to keep.
        if (value !== undefined && inflight.get(key) === loading) await cache.set(key, value, ttlMs).catch(onError);
        entry.resolve(value);
      } catch (error) {
        entry.reject(error);
      } finally {
        if (inflight.get(key) === loading) inflight.delete(key);
      }
    })();
    return loading;
  };

  return {
    async read<T>(key: string, ttlMs: number, load: () => Promise<T | undefined>, options: { accept?: (value: T) => boolean } = {}): Promise<T | undefined> {
      const accept = options.accept ?? (() => true);
      const cached = await cache.get<T>(key).catch((error: unknown) => {
        onError(error);
        return undefined;
      });
      if (cached !== undefined && accept(cached)) return cached;
      const running = inflight.get(key) as Promise<T | undefined> | undefined;
      if (running) {
        const shared = await running;
        if (shared === undefined || accept(shared)) return shared;
      }
      return loadOnce(key, ttlMs, load);
    },
    async invalidate(key: string): Promise<void> {
      inflight.delete(key);
      await cache.delete(key).catch(onError);
    },
  };
}
