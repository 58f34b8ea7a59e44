import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

/**
 * The topology is data (DESIGN.md): one readable JSON file says how many
 * instances of what run where. Ports are derived, not listed: within a region,
 * service number s (in the file's order) and instance i get portBase + 10*s + i + 1,
 * so user-1 of the laptop topology is on 7101 and product-1 on 7111.
 */
export const SERVICES = ['user', 'product', 'order', 'payment', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface InstanceSpec {
  service: ServiceName;
  region: string;
  id: string;
  port: number;
  entry: string;
}

export interface Topology {
  name: string;
  description: string;
  instances: InstanceSpec[];
}

export class TopologyError extends Error {
  override name = 'TopologyError';
}

export async function loadTopology(nameOrPath: string, repoRoot: string): Promise<Topology> {
  const path = nameOrPath.endsWith('.json') ? (isAbsolute(nameOrPath) ? nameOrPath : resolve(process.cwd(), nameOrPath)) : resolve(repoRoot, 'topology', `${nameOrPath}.json`);
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
  const regions = typeof doc.regions === 'object' && doc.regions !== null ? (doc.regions as Record<string, unknown>) : fail('"regions" must be an object');
  const instances: InstanceSpec[] = [];
  const ports = new Set<number>();
  for (const [region, value] of Object.entries(regions)) {
    if (!/^[a-z]+-[a-z]+$/.test(region)) fail(`region "${region}" must look like "us-east"`);
    const r = value as Record<string, unknown>;
    const portBase = r.portBase;
    if (typeof portBase !== 'number' || !Number.isInteger(portBase) || portBase < 1024 || portBase > 65000) fail(`regions.${region}.portBase must be an integer from 1024 to 65000`);
    const services = (r.services ?? {}) as Record<string, unknown>;
    for (const [service, spec] of Object.entries(services)) {
      const index = SERVICES.indexOf(service as ServiceName);
      if (index < 0) fail(`regions.${region}.services.${service} is not one of ${SERVICES.join(', ')}`);
      const count = (spec as { instances?: unknown }).instances;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 9) fail(`regions.${region}.services.${service}.instances must be an integer from 0 to 9`);
      for (let i = 1; i <= (count as number); i++) {
        const port = (portBase as number) + 10 * index + i;
        if (ports.has(port)) fail(`port ${port} is used twice; give regions port bases at least 100 apart`);
        ports.add(port);
        const prefix = Object.keys(regions).length > 1 ? `${region}-` : '';
        instances.push({ service: service as ServiceName, region, id: `${prefix}${service}-${i}`, port, entry: resolve(repoRoot, 'services', service, 'src', 'main.ts') });
      }
    }
  }
  return { name, description: typeof doc.description === 'string' ? doc.description : '', instances };
}
