import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

/**
 * The topology is data (DESIGN.md): one readable JSON file says how many
 * instances of what run where. Ports are derived, not listed: within a region,
 * service number s (its index in SERVICES, from 0) and instance i (from 1) get
 * portBase + 10*s + i, so user-1 of the laptop topology is on 7101, product-1 on
 * 7111 and analytics-1 on 7151; 60..79 are free, gateways sit at 80+. A region
 * may also run `gateways` API gateway instances (portBase + 80 + i) behind a
 * load balancer on `lbPort`, the region's public entry point.
 */
export const SERVICES = ['user', 'product', 'order', 'payment', 'notification', 'analytics'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface InstanceSpec {
  /** One of SERVICES, or a support process standing in for the outside world. */
  service: ServiceName | SupportName;
  region: string;
  id: string;
  /** The port its /health and /ready answer on. */
  port: number;
  entry: string;
  /** Extra environment only this process gets (support processes' own ports). */
  env?: Record<string, string>;
}

/**
 * Stand-ins for the outside world, started per region only when no real one
 * is configured: the payment provider (PAYMENT_PROVIDER_URL unset) and an SMTP
 * server with a readable mailbox (SMTP_URL unset). They sit at portBase + 90..92.
 */
export const SUPPORT = ['payment-sandbox', 'mail-sink', 'trace-collector', 'gateway', 'lb'] as const;
export type SupportName = (typeof SUPPORT)[number];

export function supportInstances(
  topology: Topology,
  repoRoot: string,
  wanted: { sandbox: boolean; mailSink: boolean; collector: boolean },
): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  const [firstRegion, firstBase] = [...topology.regions][0] ?? ['us-east', 7100];
  // One collector for the whole platform, so a trace crossing regions is kept in one place.
  if (wanted.collector)
    out.push({
      service: 'trace-collector',
      region: firstRegion,
      id: 'trace-collector',
      port: firstBase + 93,
      entry: resolve(repoRoot, 'tools/trace-collector/src/main.ts'),
    });
  for (const [region, portBase] of topology.regions) {
    const prefix = topology.regions.size > 1 ? `${region}-` : '';
    if (wanted.sandbox) {
      out.push({
        service: 'payment-sandbox',
        region,
        id: `${prefix}payment-sandbox`,
        port: portBase + 90,
        entry: resolve(repoRoot, 'tools/payment-sandbox/src/main.ts'),
      });
    }
    if (wanted.mailSink) {
      out.push({
        service: 'mail-sink',
        region,
        id: `${prefix}mail-sink`,
        port: portBase + 92,
        entry: resolve(repoRoot, 'tools/mail-sink/src/main.ts'),
        env: { SMTP_PORT: String(portBase + 91), HTTP_PORT: String(portBase + 92) },
      });
    }
  }
  return out;
}

export interface Topology {
  name: string;
  description: string;
  instances: InstanceSpec[];
  /** Region name to its port base. */
  regions: Map<string, number>;
}

export class TopologyError extends Error {
  override name = 'TopologyError';
}

export async function loadTopology(nameOrPath: string, repoRoot: string): Promise<Topology> {
  const path = nameOrPath.endsWith('.json')
    ? isAbsolute(nameOrPath)
      ? nameOrPath
      : resolve(process.cwd(), nameOrPath)
    : resolve(repoRoot, 'topology', `${nameOrPath}.json`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new TopologyError(`TOPOLOGY: no topology file at ${path}`);
  }
  return parseTopology(JSON.parse(text) as unknown, repoRoot, path);
}

export function parseTopology(raw: unknown, repoRoot: string, source = 'topology'): Topology {
  const fail = (what: string): never => {
    throw new TopologyError(`${source}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('must be a JSON object');
  const doc = raw as Record<string, unknown>;
  const name = typeof doc.name === 'string' ? doc.name : fail('"name" must be a string');
  const regions =
    typeof doc.regions === 'object' && doc.regions !== null
      ? (doc.regions as Record<string, unknown>)
      : fail('"regions" must be an object');
  const instances: InstanceSpec[] = [];
  const ports = new Set<number>();
  const regionBases = new Map<string, number>();
  for (const [region, value] of Object.entries(regions)) {
    if (!/^[a-z]+-[a-z]+$/.test(region)) fail(`region "${region}" must look like "us-east"`);
    const r = value as Record<string, unknown>;
    const portBase = r.portBase;
    if (typeof portBase !== 'number' || !Number.isInteger(portBase) || portBase < 1024 || portBase > 65000)
      fail(`regions.${region}.portBase must be an integer from 1024 to 65000`);
    regionBases.set(region, portBase as number);
    const gateways = r.gateways ?? 0;
    if (typeof gateways !== 'number' || !Number.isInteger(gateways) || gateways < 0 || gateways > 9)
      fail(`regions.${region}.gateways must be an integer from 0 to 9`);
    const lbPort = r.lbPort;
    if (
      (gateways as number) > 0 &&
      (typeof lbPort !== 'number' || !Number.isInteger(lbPort) || lbPort < 1 || lbPort > 65535)
    )
      fail(`regions.${region}.lbPort must be a port number when gateways > 0`);
    const prefix = Object.keys(regions).length > 1 ? `${region}-` : '';
    for (let i = 1; i <= (gateways as number); i++) {
      instances.push({
        service: 'gateway',
        region,
        id: `${prefix}gateway-${i}`,
        port: (portBase as number) + 80 + i,
        entry: resolve(repoRoot, 'gateway/src/main.ts'),
      });
    }
    if ((gateways as number) > 0) {
      instances.push({
        service: 'lb',
        region,
        id: `${prefix}lb`,
        port: lbPort as number,
        entry: resolve(repoRoot, 'lb/src/main.ts'),
      });
    }
    const services = (r.services ?? {}) as Record<string, unknown>;
    for (const [service, spec] of Object.entries(services)) {
      const index = SERVICES.indexOf(service as ServiceName);
      if (index < 0) fail(`regions.${region}.services.${service} is not one of ${SERVICES.join(', ')}`);
      const count = (spec as { instances?: unknown }).instances;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 9)
        fail(`regions.${region}.services.${service}.instances must be an integer from 0 to 9`);
      for (let i = 1; i <= (count as number); i++) {
        const port = (portBase as number) + 10 * index + i;
        if (ports.has(port)) fail(`port ${port} is used twice; give regions port bases at least 100 apart`);
        ports.add(port);
        instances.push({
          service: service as ServiceName,
          region,
          id: `${prefix}${service}-${i}`,
          port,
          entry: resolve(repoRoot, 'services', service, 'src', 'main.ts'),
        });
      }
    }
  }
  return {
    name,
    description: typeof doc.description === 'string' ? doc.description : '',
    instances,
    regions: regionBases,
  };
}
