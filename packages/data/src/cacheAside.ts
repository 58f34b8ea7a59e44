import type { Cache } from './cache.ts';

export interface CacheAside {
  /**
   * The cached value, or `load()`'s (stored for `ttlMs` unless undefined).
   * `accept` can refuse a cached or shared value that is too old for this
   * caller (e.g. read before the caller's own write): it is then loaded again.
   */
  read: <T>(
    key: string,
    ttlMs: number,
    load: () => Promise<T | undefined>,
    options?: { accept?: (value: T) => boolean },
  ) => Promise<T | undefined>;
  /**
   * Drops the entry; call after the change committed. A load already running
   * for the key does not write its (possibly older) value back.
   */
  invalidate: (key: string) => Promise<void>;
}

/**
 * Cache-aside with single flight: a read of a key that another read is
 * already doing (cache lookup, and the load on a miss) waits for that one, so
 * N concurrent misses cause one load, even when the cache answers slower than
 * the load (Redis). A cache that errors is bypassed (the loader answers)
 * rather than failing the read.
 */
export function cacheAside(cache: Cache, onError: (error: unknown) => void = () => undefined): CacheAside {
  const inflight = new Map<string, Promise<unknown>>();

  const fly = <T>(
    key: string,
    ttlMs: number,
    load: () => Promise<T | undefined>,
    accept: ((value: T) => boolean) | undefined,
  ): Promise<T | undefined> => {
    const flight = Promise.withResolvers<T | undefined>();
    inflight.set(key, flight.promise);
    void (async () => {
      try {
        if (accept) {
          const cached = await cache.get<T>(key).catch((error: unknown) => {
            onError(error);
            return undefined;
          });
          if (cached !== undefined && accept(cached)) return flight.resolve(cached);
        }
        const value = await load();
        // Not invalidated (nor superseded) while loading: safe to keep.
        if (value !== undefined && inflight.get(key) === flight.promise)
          await cache.set(key, value, ttlMs).catch(onError);
        flight.resolve(value);
      } catch (error) {
        flight.reject(error);
      } finally {
        if (inflight.get(key) === flight.promise) inflight.delete(key);
      }
    })();
    return flight.promise;
  };

  return {
    async read<T>(
      key: string,
      ttlMs: number,
      load: () => Promise<T | undefined>,
      options: { accept?: (value: T) => boolean } = {},
    ): Promise<T | undefined> {
      const accept = options.accept ?? (() => true);
      const running = inflight.get(key) as Promise<T | undefined> | undefined;
      if (!running) return fly(key, ttlMs, load, accept);
      const shared = await running;
      if (shared === undefined || accept(shared)) return shared;
      // Too old for this caller: load past the cache.
      return fly(key, ttlMs, load, undefined);
    },
    async invalidate(key: string): Promise<void> {
      inflight.delete(key);
      await cache.delete(key).catch(onError);
    },
  };
}
