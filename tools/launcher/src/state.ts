// What the launcher leaves in its data directory for tools and tests, written and read in one
// place: launcher.json (what runs where), its own mesh certificate, and topology files for it to run.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceStatus } from './supervisor.ts';

/** launcher.json: the launcher's pid, its topology, PostgreSQL and every instance with its ports and pid. */
export interface LauncherState {
  pid: number;
  topology: string;
  postgres: { kind: string | undefined; pid: number | undefined; port: number | undefined };
  instances: InstanceStatus[];
}

export type { InstanceStatus };

/** Where launcher.json is under a data directory (removed when the launcher stops). */
export function launcherStatePath(dataDir: string): string {
  return join(dataDir, 'launcher.json');
}

let writes = 0;

/**
 * Writes launcher.json (pretty, one trailing newline) whole or not at all: a
 * file beside it renamed over it, so a reader never sees half of one (tests
 * read it while a restart rewrites it).
 */
export async function writeLauncherState(dataDir: string, state: LauncherState): Promise<void> {
  const path = launcherStatePath(dataDir);
  const next = `${path}.${process.pid}.${(writes += 1)}`;
  await writeFile(next, `${JSON.stringify(state, null, 2)}\n`);
  await rename(next, path);
}

/** Reads launcher.json; throws (ENOENT) while no launcher runs on that data directory. */
export async function readLauncherState(dataDir: string): Promise<LauncherState> {
  return JSON.parse(await readFile(launcherStatePath(dataDir), 'utf8')) as LauncherState;
}

/** The launcher's own mesh certificate (pki/launcher.*): every service accepts it as a caller. */
export async function readLauncherTls(dataDir: string): Promise<{ cert: string; key: string; ca: string }> {
  const pki = join(dataDir, 'pki');
  const [cert, key, ca] = await Promise.all(
    ['launcher.crt', 'launcher.key', 'ca.crt'].map((file) => readFile(join(pki, file), 'utf8')),
  );
  return { cert: cert!, key: key!, ca: ca! };
}

/** A one-region topology for a test or the bench: instances per service, and optionally the edge. */
export interface OneRegionTopology {
  name: string;
  description: string;
  portBase: number;
  /** Instances of each service, by name. */
  services: Record<string, number>;
  /** Gateways behind a load balancer on lbPort. */
  edge?: { gateways: number; lbPort: number };
}

/** Writes `topology` as `<dir>/topology.json` in the launcher's topology format; returns its path. */
export async function writeTopology(dir: string, topology: OneRegionTopology): Promise<string> {
  const file = join(dir, 'topology.json');
  const services = Object.fromEntries(
    Object.entries(topology.services).map(([name, instances]) => [name, { instances }]),
  );
  const region = { portBase: topology.portBase, ...topology.edge, services };
  const document = { name: topology.name, description: topology.description, regions: { 'us-east': region } };
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}
