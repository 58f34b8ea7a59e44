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
 *
 * Each instance's ops port (plain HTTP on loopback: /health, /ready, /metrics)
 * is its slot plus OPS_OFFSET: user-1's is 7601; the balancer takes slot 99.
 */
export const SERVICES = ['user', 'product', 'order', 'payment', 'notification', 'analytics'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Where ops ports start, from a region's port base: regions 100 apart leave room for five of them. */
export const OPS_OFFSET = 500;
/** The balancer's slot in its region's ops range. */
const LB_SLOT = 99;

export interface InstanceSpec {
  /** One of SERVICES, or a support process standing in for the outside world. */
  service: ServiceName | SupportName;
  region: string;
  id: string;
  /** The port its /health and /ready answer on. */
  port: number;
  /** Its ops listener (plain HTTP, loopback): /health, /ready, /metrics without a client certificate. */
  opsPort?: number;
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

function instance(
  region: { name: string; portBase: number },
  spec: Omit<InstanceSpec, 'region' | 'port' | 'opsPort'> & { slot: number; port?: number },
): InstanceSpec {
  const { slot, ...rest } = spec;
  return {
    ...rest,
    region: region.name,
    port: spec.port ?? region.portBase + slot,
    opsPort: region.portBase + OPS_OFFSET + slot,
  };
}

export function supportInstances(
  topology: Topology,
  repoRoot: string,
  wanted: { sandbox: boolean; mailSink: boolean; collector: boolean },
): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  const [firstRegion, firstBase] = [...topology.regions][0] ?? ['us-east', 7100];
  const entry = (tool: string): string => resolve(repoRoot, 'tools', tool, 'src/main.ts');
  // One collector for the whole platform, so a trace crossing regions is kept in one place.
  if (wanted.collector)
    out.push(
      instance(
        { name: firstRegion, portBase: firstBase },
        { service: 'trace-collector', id: 'trace-collector', slot: 93, entry: entry('trace-collector') },
      ),
    );
  for (const [name, portBase] of topology.regions) {
    const prefix = topology.regions.size > 1 ? `${name}-` : '';
    const region = { name, portBase };
    if (wanted.sandbox)
      out.push(
        instance(region, {
          service: 'payment-sandbox',
          id: `${prefix}payment-sandbox`,
          slot: 90,
          entry: entry('payment-sandbox'),
        }),
      );
    // The mail sink's HTTP side is its mailbox, plain already: it has no ops port.
    if (wanted.mailSink)
      out.push({
        service: 'mail-sink',
        region: name,
        id: `${prefix}mail-sink`,
        port: portBase + 92,
        entry: entry('mail-sink'),
        env: { SMTP_PORT: String(portBase + 91), HTTP_PORT: String(portBase + 92) },
      });
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

const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

interface Parsing {
  repoRoot: string;
  fail: (what: string) => never;
  /** More than one region: instance ids carry the region's name. */
  prefixed: boolean;
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
  const parsing: Parsing = { repoRoot, fail, prefixed: Object.keys(regions).length > 1 };
  const instances: InstanceSpec[] = [];
  const regionBases = new Map<string, number>();
  for (const [region, value] of Object.entries(regions)) {
    const parsed = parseRegion(region, value as Record<string, unknown>, parsing);
    regionBases.set(region, parsed.portBase);
    instances.push(...parsed.instances);
  }
  checkPorts(instances, fail);
  const description = typeof doc.description === 'string' ? doc.description : '';
  return { name, description, instances, regions: regionBases };
}

function parseRegion(
  name: string,
  r: Record<string, unknown>,
  parsing: Parsing,
): { portBase: number; instances: InstanceSpec[] } {
  const { fail } = parsing;
  if (!/^[a-z]+-[a-z]+$/.test(name)) fail(`region "${name}" must look like "us-east"`);
  const portBase = isInt(r.portBase, 1024, 65000)
    ? r.portBase
    : fail(`regions.${name}.portBase must be an integer from 1024 to 65000`);
  const region = { name, portBase };
  return { portBase, instances: [...edgeInstances(region, r, parsing), ...serviceInstances(region, r, parsing)] };
}

/** The region's gateways and, with any, its load balancer. */
function edgeInstances(
  region: { name: string; portBase: number },
  r: Record<string, unknown>,
  { repoRoot, fail, prefixed }: Parsing,
): InstanceSpec[] {
  const gateways = r.gateways ?? 0;
  if (!isInt(gateways, 0, 9)) return fail(`regions.${region.name}.gateways must be an integer from 0 to 9`);
  if (gateways === 0) return [];
  if (!isInt(r.lbPort, 1, 65535)) return fail(`regions.${region.name}.lbPort must be a port number when gateways > 0`);
  const prefix = prefixed ? `${region.name}-` : '';
  const out: InstanceSpec[] = [];
  for (let i = 1; i <= gateways; i++)
    out.push(
      instance(region, {
        service: 'gateway',
        id: `${prefix}gateway-${i}`,
        slot: 80 + i,
        entry: resolve(repoRoot, 'gateway/src/main.ts'),
      }),
    );
  const lb = { service: 'lb', id: `${prefix}lb`, entry: resolve(repoRoot, 'lb/src/main.ts') } as const;
  out.push(instance(region, { ...lb, slot: LB_SLOT, port: r.lbPort }));
  return out;
}

function serviceInstances(
  region: { name: string; portBase: number },
  r: Record<string, unknown>,
  { repoRoot, fail, prefixed }: Parsing,
): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  const services = (r.services ?? {}) as Record<string, unknown>;
  for (const [service, spec] of Object.entries(services)) {
    const index = SERVICES.indexOf(service as ServiceName);
    if (index < 0) fail(`regions.${region.name}.services.${service} is not one of ${SERVICES.join(', ')}`);
    const count = (spec as { instances?: unknown }).instances;
    if (!isInt(count, 0, 9))
      fail(`regions.${region.name}.services.${service}.instances must be an integer from 0 to 9`);
    for (let i = 1; i <= (count as number); i++)
      out.push(
        instance(region, {
          service: service as ServiceName,
          id: `${prefixed ? `${region.name}-` : ''}${service}-${i}`,
          slot: 10 * index + i,
          entry: resolve(repoRoot, 'services', service, 'src', 'main.ts'),
        }),
      );
  }
  return out;
}

/** No port, service or ops, is used twice. */
function checkPorts(instances: InstanceSpec[], fail: (what: string) => never): void {
  const seen = new Set<number>();
  for (const i of instances) {
    if (seen.has(i.port)) fail(`port ${i.port} is used twice; give regions port bases at least 100 apart`);
    seen.add(i.port);
  }
  for (const i of instances) {
    if (i.opsPort === undefined) continue;
    if (seen.has(i.opsPort))
      fail(`ops port ${i.opsPort} of ${i.id} is used twice; keep port bases ${OPS_OFFSET} apart from other ranges`);
    seen.add(i.opsPort);
  }
}
