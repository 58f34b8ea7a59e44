import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

export const serversDir = fileURLToPath(new URL('./servers/', import.meta.url));

export interface Started {
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Flags for node itself, before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** How long stop() waits after SIGINT before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
}

/** Spawns a fixture process and waits for it to print "ready". */
export async function startProcess(script: string, args: string[], options: StartOptions = {}): Promise<Started> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child, 0);
    throw error;
  });
  return { child, stop: () => stopChild(child, options.stopTimeoutMs ?? 5000) };
}

/**
 * SIGINT first, so the process exits through its own handler (and a
 * --cpu-prof profile gets written); SIGKILL if it is still there after
 * `timeoutMs`. Resolves when it has exited.
 */
export async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(timeoutMs > 0 ? 'SIGINT' : 'SIGKILL');
  const timer = timeoutMs > 0 ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
  await gone;
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** True when nothing listens on any of `ports` on 127.0.0.1. */
export async function portsFree(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

interface ProcStat {
  ppid: number;
  /** The main thread's time runnable but waiting for a CPU, seconds (/proc/<pid>/schedstat): starved, not blocked. */
  runDelay: number;
  /** utime + stime, seconds. */
  cpu: number;
  /** cutime + cstime: children that exited and were waited for (PostgreSQL backends). */
  childCpu: number;
}

async function runDelaySeconds(pid: number): Promise<number> {
  try {
    return Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[1]) / 1e9 || 0;
  } catch {
    return 0;
  }
}

async function procStat(pid: number, withDelay = false): Promise<ProcStat | undefined> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return {
      ppid: Number(fields[1]),
      runDelay: withDelay ? await runDelaySeconds(pid) : 0,
      cpu: (Number(fields[11]) + Number(fields[12])) / 100,
      childCpu: (Number(fields[13]) + Number(fields[14])) / 100,
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export async function cpuSeconds(pid: number): Promise<number> {
  return (await procStat(pid))?.cpu ?? 0;
}

/** `roots` and every process descended from them (PostgreSQL's backends, a launcher's instances), each with its parent. */
export async function processTree(roots: number[]): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await procStat(Number(entry));
    if (stat) parents.set(Number(entry), stat.ppid);
  }
  const tree = new Map<number, number>(roots.filter((pid) => parents.has(pid)).map((pid) => [pid, parents.get(pid)!]));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.set(pid, ppid);
        grew = true;
      }
    }
  }
  return tree;
}

/** A set of processes whose CPU and memory a scenario reports, each named by the role it plays. */
export interface ProcessSet {
  /** The processes now (a platform's tree changes: PostgreSQL starts backends). */
  pids(): Promise<number[]>;
  /** The role of a process in the report's breakdown (e.g. "front", "product-1", "postgres"). */
  roleOf(pid: number): string;
}

export function fixedProcesses(named: Array<[string, number]>): ProcessSet {
  const roles = new Map(named.map(([role, pid]) => [pid, role]));
  return { pids: () => Promise.resolve([...roles.keys()]), roleOf: (pid) => roles.get(pid) ?? 'other' };
}

export interface CpuSnapshot {
  at: number;
  stats: Map<number, ProcStat>;
}

export async function cpuSnapshot(set: ProcessSet): Promise<CpuSnapshot> {
  const stats = new Map<number, ProcStat>();
  for (const pid of await set.pids()) {
    const stat = await procStat(pid, true);
    if (stat) stats.set(pid, stat);
  }
  return { at: performance.now(), stats };
}

/**
 * Cores used between two snapshots, in all and by role. A process present in
 * both counts its own CPU and that of children it reaped meanwhile; one that
 * appeared counts all it used.
 */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
  set: ProcessSet,
): { cores: number; byRole: Record<string, number>; starvedByRole: Record<string, number> } {
  const seconds = (after.at - before.at) / 1000;
  const byRole: Record<string, number> = {};
  const starvedByRole: Record<string, number> = {};
  let total = 0;
  for (const [pid, now] of after.stats) {
    const then = before.stats.get(pid);
    const used = then ? now.cpu - then.cpu + Math.max(0, now.childCpu - then.childCpu) : now.cpu;
    const role = set.roleOf(pid);
    byRole[role] = (byRole[role] ?? 0) + used / seconds;
    starvedByRole[role] = Math.max(starvedByRole[role] ?? 0, (now.runDelay - (then?.runDelay ?? 0)) / seconds);
    total += used;
  }
  for (const role of Object.keys(byRole)) {
    byRole[role] = round3(byRole[role]!);
    starvedByRole[role] = round3(starvedByRole[role]!);
  }
  return { cores: round3(total / seconds), byRole, starvedByRole };
}

/** Proportional set size (shared pages split among their users), MiB: sums honestly across PostgreSQL's processes. */
async function pssMiB(pid: number): Promise<number> {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the set's total memory (PSS) every `intervalMs` until stopped; resolves to the peak, MiB. */
export function sampleMemory(set: ProcessSet, intervalMs = 1000): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  let wake: (() => void) | undefined;
  const sample = async (): Promise<void> => {
    const pids = await set.pids();
    const total = (await Promise.all(pids.map(pssMiB))).reduce((a, b) => a + b, 0);
    peak = Math.max(peak, total);
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs);
      });
    }
    await sample();
  })();
  return {
    stop: async () => {
      running = false;
      wake?.();
      await loop;
      return Math.round(peak);
    },
  };
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
