// The real platform for the shop scenarios: `npm start`'s launcher run as a
// process with a small bench topology, its state read from launcher.json, and
// mTLS access to the services with the launcher's own certificate.
// launcher.json, the launcher's certificate and the topology file: @shop/launcher/state, as the tests use them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLauncherState, readLauncherTls, writeTopology, type LauncherState } from '@shop/launcher/state';
import { portsFree, processTree, stopChild, type ProcessSet } from './processes.ts';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export type { LauncherState };

export interface Platform {
  dataDir: string;
  /** Admin URL of the platform's PostgreSQL (embedded), for scratch databases. */
  adminUrl: string;
  lbUrl: string;
  gatewayUrl: string;
  /** https base URL of each product instance, by instance id. */
  products: Map<string, string>;
  /** The launcher's mesh certificate: any service accepts it as a caller. */
  tls: { cert: string; key: string; ca: string };
  /** Every process of the platform (launcher, instances, PostgreSQL and its backends), named by instance. */
  processes: ProcessSet;
  state(): Promise<LauncherState>;
  /** The log file of an instance (JSON lines). */
  logOf(instance: string): string;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  dataDir: string;
  products: number;
  /** Extra environment for the launcher (passed through to the processes by prefix). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

const SERVICE_ORDER = ['user', 'product', 'order', 'payment', 'notification'] as const;

/** A region's ports (see tools/launcher/src/topology.ts): services at base+10s+i, gateway base+81, support base+90..93, lb base+99, PostgreSQL base+98. */
function portsOf(base: number, products: number): number[] {
  const ports = [base + 81, base + 90, base + 91, base + 92, base + 93, base + 98, base + 99];
  SERVICE_ORDER.forEach((service, s) => {
    for (let i = 1; i <= (service === 'product' ? products : 1); i++) ports.push(base + 10 * s + i);
  });
  return ports;
}

async function findPortBase(products: number): Promise<number> {
  for (let base = 17_000; base < 30_000; base += 100) if (await portsFree(portsOf(base, products))) return base;
  throw new Error('no free block of 100 ports between 17000 and 30000');
}

/**
 * Starts the platform: one of every service (`products` product instances),
 * one gateway behind the load balancer, embedded PostgreSQL. Resolves when
 * the launcher says every process is ready.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const base = await findPortBase(options.products);
  await mkdir(options.dataDir, { recursive: true });
  const topology = await writeTopology(options.dataDir, {
    name: 'bench',
    description: 'written by npm run bench',
    portBase: base,
    services: Object.fromEntries(SERVICE_ORDER.map((s) => [s, s === 'product' ? options.products : 1])),
    edge: { gateways: 1, lbPort: base + 99 },
  });
  const child = spawn(process.execPath, [join(repoRoot, 'tools/launcher/src/main.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      SHOP_DATA_DIR: options.dataDir,
      TOPOLOGY: topology,
      EMBEDDED_PG_PORT: String(base + 98),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await launcherReady(child, options.readyTimeoutMs ?? 120_000);
  const secrets = JSON.parse(await readFile(join(options.dataDir, 'secrets.json'), 'utf8')) as { postgres: string };
  const state = (): Promise<LauncherState> => readLauncherState(options.dataDir);
  const first = await state();
  const products = new Map(
    first.instances.filter((i) => i.service === 'product').map((i) => [i.id, `https://127.0.0.1:${i.port}`]),
  );
  return {
    dataDir: options.dataDir,
    adminUrl: `postgres://postgres:${encodeURIComponent(secrets.postgres)}@127.0.0.1:${first.postgres.port}/postgres`,
    lbUrl: `http://127.0.0.1:${base + 99}`,
    gatewayUrl: `http://127.0.0.1:${base + 81}`,
    products,
    tls: await readLauncherTls(options.dataDir),
    processes: platformProcesses(child.pid!, state),
    state,
    logOf: (instance) => join(options.dataDir, 'logs', `${instance}.log`),
    stop: () => stopLauncher(child),
  };
}

/** Resolves when the launcher says every process is ready; throws with its output if it exits or takes too long. */
async function launcherReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!/all \d+ processes ready/.test(output)) {
    if (child.exitCode !== null) throw new Error(`launcher exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      await stopLauncher(child);
      throw new Error(`launcher not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGINT, as Ctrl-C: the launcher drains and stops every process and PostgreSQL; SIGKILL if it hangs. */
async function stopLauncher(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  await stopChild(child, 30_000);
  await exited.catch(() => undefined);
}

/** The launcher's process tree, each process named by the instance it belongs to ("postgres" for the server and its backends). */
function platformProcesses(launcherPid: number, state: () => Promise<LauncherState>): ProcessSet {
  const roles = new Map<number, string>();
  return {
    pids: async () => {
      const tree = await processTree([launcherPid]);
      const current = await state().catch(() => undefined);
      const named = new Map<number, string>([[launcherPid, 'launcher']]);
      for (const instance of current?.instances ?? []) if (instance.pid) named.set(instance.pid, instance.id);
      if (current?.postgres.pid) named.set(current.postgres.pid, 'postgres');
      for (const [pid] of tree) {
        let role: string | undefined;
        for (let cur: number | undefined = pid; cur !== undefined && role === undefined; cur = tree.get(cur))
          role = named.get(cur);
        roles.set(pid, role ?? 'other');
      }
      return [...tree.keys()];
    },
    roleOf: (pid) => roles.get(pid) ?? 'other',
  };
}
