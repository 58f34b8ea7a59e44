import { resolve4 as systemResolve4 } from 'node:dns/promises';
import type { InstanceRecord, Registry } from './registry.ts';

export interface DnsRegistryOptions {
  /**
   * The DNS name of a service's instances in a region: on Kubernetes a
   * headless Service (clusterIP: None), which answers one A record per ready
   * pod, e.g. (service, region) => `${service}.shop-${region}.svc.cluster.local`.
   */
  hostname: (service: string, region: string) => string;
  /** The port the instances listen on (one for all, or per service). */
  port: number | ((service: string) => number);
  /** Default https: the mesh speaks mTLS, and checks the server's SPIFFE identity, not its name. */
  scheme?: 'http' | 'https';
  /** A-record lookup (default: node:dns resolve4); injected in tests. */
  resolve4?: (hostname: string) => Promise<string[]>;
}

/** No such name, or no address for it: the service has no ready instance right now. */
const NO_INSTANCES = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Discovery from DNS, for Kubernetes: the cluster registers and evicts pods
 * (readiness decides who is in the answer), so heartbeat and deregister do
 * nothing here. `list` resolves the service's name to its A records on every
 * call; a lookup that fails for any other reason than "no instances" rejects,
 * and watchInstances then keeps the last known set.
 */
export class DnsRegistry implements Registry {
  readonly #options: DnsRegistryOptions;
  readonly #resolve4: (hostname: string) => Promise<string[]>;

  constructor(options: DnsRegistryOptions) {
    this.#options = options;
    this.#resolve4 = options.resolve4 ?? ((hostname) => systemResolve4(hostname));
  }

  heartbeat(): Promise<void> {
    return Promise.resolve();
  }

  deregister(): Promise<void> {
    return Promise.resolve();
  }

  async list(service: string, region: string): Promise<InstanceRecord[]> {
    let addresses: string[];
    try {
      addresses = await this.#resolve4(this.#options.hostname(service, region));
    } catch (error) {
      if (NO_INSTANCES.has((error as { code?: string }).code ?? '')) return [];
      throw error;
    }
    const port = typeof this.#options.port === 'number' ? this.#options.port : this.#options.port(service);
    const scheme = this.#options.scheme ?? 'https';
    // Sorted and deduplicated: DNS rotates its answers, the instance set does not change by that.
    return [...new Set(addresses)]
      .sort()
      .map((ip) => ({ service, region, instanceId: `${service}-${ip}`, url: `${scheme}://${ip}:${port}` }));
  }
}
