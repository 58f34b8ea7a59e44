import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { cpuBetween, cpuSnapshot, round3, sampleMemory, type ProcessSet } from './processes.ts';

export interface Measurement {
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number };
  /** One request in flight, no queueing: the latency a call adds. */
  singleMs: { p50: number; p99: number };
  errors: number;
  /** Cores the measured processes used during the saturated run, in all and by role. */
  cpuCores: number;
  cpuByRole: Record<string, number>;
  /** Server CPU per request, microseconds: what a request costs, whether or not anything waited; in all and by role. */
  cpuMicrosPerRequest: number;
  cpuMicrosByRole: Record<string, number>;
  /** Cores the load generator (this process) used meanwhile: with the servers', how much of the machine was busy. */
  generatorCores: number;
  /** Peak of the processes' summed proportional set size, MiB (PostgreSQL's shared buffers counted once). */
  peakMemoryMiB: number;
  /**
   * Share of the run each process's main thread was runnable but waiting for a
   * CPU (the largest per role): starved by the machine, as opposed to idle and
   * waiting for I/O (ELU below 1).
   */
  starvedByRole: Record<string, number>;
  /** Event-loop utilisation of each fixture over the saturated run, when the fixtures report it. */
  elu?: Record<string, number>;
}

/** Where the load goes: a URL, and for a service over the mesh the client certificate to present. */
export interface Target {
  url: string;
  tls?: { cert: string; key: string; ca: string };
}

export interface MeasureOptions {
  target: Target;
  processes: ProcessSet;
  connections: number;
  durationSec: number;
  warmupSec: number;
  singleRequests: number;
  elu?: () => Promise<Record<string, number>>;
  /** Told when the saturated run began and ended, in µs of the system's monotonic clock (a V8 profile's timestamps are on it too). */
  onWindow?: (from: number, to: number) => void;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Closed loop, one request at a time, timed with hrtime: no load-generator queueing in the number. */
async function singleInFlight(target: Target, count: number): Promise<{ p50: number; p99: number; errors: number }> {
  const agent = new Agent({
    connections: 1,
    keepAliveTimeout: 30_000,
    ...(target.tls ? { connect: { ...target.tls, servername: 'localhost' } } : {}),
  });
  const samples: number[] = [];
  const warm = Math.min(200, count);
  let errors = 0;
  try {
    for (let i = 0; i < count + warm; i++) {
      const start = process.hrtime.bigint();
      try {
        const response = await request(target.url, { dispatcher: agent });
        await response.body.dump();
        if (response.statusCode !== 200) errors += 1;
      } catch {
        errors += 1;
      }
      if (i >= warm) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    await agent.close();
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), errors };
}

function cannon(target: Target, connections: number, duration: number): Promise<autocannon.Result> {
  // autocannon speaks TLS with tlsOptions (with the client certificate the service asks for).
  return autocannon({
    url: target.url,
    connections,
    duration,
    ...(target.tls ? { tlsOptions: { ...target.tls }, servername: 'localhost' } : {}),
  });
}

/** Saturation with a fixed number of connections (autocannon), then latency at one in flight. */
export async function measure(options: MeasureOptions): Promise<Measurement> {
  if (options.warmupSec > 0) await cannon(options.target, options.connections, options.warmupSec);
  const memory = sampleMemory(options.processes);
  const before = await cpuSnapshot(options.processes);
  await options.elu?.();
  const generatorBefore = process.cpuUsage();
  const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const from = monotonicUs();
  const result = await cannon(options.target, options.connections, options.durationSec);
  options.onWindow?.(from, monotonicUs());
  const generator = process.cpuUsage(generatorBefore);
  const elu = await options.elu?.();
  const after = await cpuSnapshot(options.processes);
  const elapsedSec = (after.at - before.at) / 1000;
  const cpu = cpuBetween(before, after, options.processes);
  const peakMemoryMiB = await memory.stop();
  const single = await singleInFlight(options.target, options.singleRequests);
  const requests = result.requests.total;
  const perRequest = (cores: number): number => (requests > 0 ? Math.round((cores * elapsedSec * 1e6) / requests) : 0);
  return {
    requestsPerSec: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    singleMs: { p50: round3(single.p50), p99: round3(single.p99) },
    errors: result.errors + result.timeouts + result.non2xx + single.errors,
    cpuCores: cpu.cores,
    cpuByRole: cpu.byRole,
    starvedByRole: cpu.starvedByRole,
    cpuMicrosPerRequest: perRequest(cpu.cores),
    cpuMicrosByRole: Object.fromEntries(Object.entries(cpu.byRole).map(([role, cores]) => [role, perRequest(cores)])),
    generatorCores: round3((generator.user + generator.system) / 1e6 / elapsedSec),
    peakMemoryMiB,
    ...(elu ? { elu } : {}),
  };
}
