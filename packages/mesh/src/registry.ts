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
  /** Its plain-HTTP ops listener (/health, /ready, /metrics without a client certificate), when it has one. */
  opsUrl?: string;
}

export interface Registry {
  heartbeat(record: InstanceRecord, ttlMs: number): Promise<void>;
  deregister(instanceId: string): Promise<void>;
  list(service: string, region: string): Promise<InstanceRecord[]>;
  /** Several services' live instances in one lookup, where the store can answer that at once. */
  listMany?(services: string[], region: string): Promise<InstanceRecord[]>;
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
    return Promise.resolve(
      (this.#urls.get(service) ?? []).map((url, i) => ({
        service,
        region,
        instanceId: `${service}-static-${i + 1}`,
        url,
      })),
    );
  }
}

export interface Registration {
  /** Removes the instance from the registry at once (graceful shutdown). */
  stop(): Promise<void>;
}

/** Heartbeats every intervalMs with a TTL of ttlMs; a failed beat is reported and retried next tick. */
export function startRegistration(
  registry: Registry,
  record: InstanceRecord,
  options: { intervalMs: number; ttlMs: number; onError?: (error: unknown) => void },
): Registration {
  const beat = (): Promise<void> =>
    registry.heartbeat(record, options.ttlMs).catch((error: unknown) => options.onError?.(error));
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
// eslint-disable-next-line max-params -- one service's form of watchServices, kept as its callers (tests) use it
export function watchInstances(
  registry: Registry,
  service: string,
  region: string,
  target: { update(urls: string[]): void },
  options: { intervalMs: number; onError?: (error: unknown) => void },
): { stop(): void } {
  return watchServices(registry, region, new Map([[service, target]]), options);
}

/**
 * watchInstances for every peer of a process at once: one lookup a round for
 * all of them where the registry offers listMany (a service with five peers
 * asked its store five times a second before), one per service where not.
 * `targets` may grow after the start: each round watches what it holds then.
 */
export function watchServices(
  registry: Registry,
  region: string,
  targets: ReadonlyMap<string, { update(urls: string[]): void }>,
  options: { intervalMs: number; onError?: (error: unknown) => void },
): { stop(): void } {
  const apply = (service: string, records: InstanceRecord[]): void => {
    const urls = records.filter((r) => r.service === service).map((r) => r.url);
    if (urls.length > 0) targets.get(service)?.update(urls);
  };
  const poll = async (): Promise<void> => {
    const services = [...targets.keys()];
    if (services.length === 0) return;
    if (registry.listMany) {
      try {
        const records = await registry.listMany(services, region);
        for (const service of services) apply(service, records);
      } catch (error) {
        options.onError?.(error);
      }
      return;
    }
    await Promise.all(
      services.map(async (service) => {
        try {
          apply(service, await registry.list(service, region));
        } catch (error) {
          options.onError?.(error);
        }
      }),
    );
  };
  // The first round waits for this tick's other watches, so it covers them too.
  const first = setImmediate(() => void poll());
  const timer = setInterval(() => void poll(), options.intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearImmediate(first);
      clearInterval(timer);
    },
  };
}
