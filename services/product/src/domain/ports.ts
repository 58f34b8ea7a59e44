/**
 * A key-value cache with per-entry TTL. The in-process LRU implements it
 * today; a Redis adapter will implement the same contract (hence async).
 */
export interface Cache<V> {
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}
