/**
 * Service discovery. Instances announce themselves with heartbeats and are
 * evicted when the heartbeats stop; callers watch the live set of a service's
 * instances in their region. Implementations: PostgreSQL (the shared data store
 * the platform already has; packages/data), DNS (Kubernetes headless
 * Services; dnsRegistry.ts) and static lists (the launcher's PEER_* variables,
 * or one Kubernetes Service name per service).
 */
export interface InstanceRecord {
  service: string;
  region: string;
  instanceId: string;
  url: string;
}

export interface Registry {
  heartbeat(record: InstanceRecord, ttlMs: number): Promise<void>;
  deregister(instanceId: string): Promise<void>;
  list(service: string, region: string): Promise<InstanceRecord[]>;
}

/** Fixed instance lists: nothing registers, nothing is evicted (behind a Kubernetes Service, the cluster does that). */
export class StaticRegistry implements Registry {
  readonly #urls: Map<string, string[]>;
  constructor(urls: Record<string, string[]>) {
    this.#urls = new Map(Object.entries(urls));
  }
  heartbeat(): Promise<void> {
    return Promise.resolve();
  }
  deregister(): Promise<void> {
    return Promise.resolve();
  }
  list(service: string, region: string): Promise<InstanceRecord[]> {
    return Promise.resolve((this.#urls.get(service) ?? []).map((url, i) => ({ service, region, instanceId: `${service}-static-${i + 1}`, url })));
  }
}

export interface Registration {
  /** Removes the instance from the registry at once (graceful shutdown). */
  stop(): Promise<void>;
}

/** Heartbeats every intervalMs with a TTL of ttlMs; a failed beat is reported and retried next tick. */
export function startRegistration(registry: Registry, record: InstanceRecord, options: { intervalMs: number; ttlMs: number; onError?: (error: unknown) => void }): Registration {
  const beat = (): Promise<void> => registry.heartbeat(record, options.ttlMs).catch((error: unknown) => options.onError?.(error));
  void beat();
  const timer = setInterval(() => void beat(), options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await registry.deregister(record.instanceId).catch((error: unknown) => options.onError?.(error));
    },
  };
}

/**
 * Keeps a client's instance set equal to the registry's view. An empty or
 * failed lookup keeps the previous set: losing the registry must not mean
 * losing every peer.
 */
export function watchInstances(registry: Registry, service: string, region: string, target: { update(urls: string[]): void }, options: { intervalMs: number; onError?: (error: unknown) => void }): { stop(): void } {
  const poll = async (): Promise<void> => {
    try {
      const records = await registry.list(service, region);
      if (records.length > 0) target.update(records.map((r) => r.url));
    } catch (error) {
      options.onError?.(error);
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
