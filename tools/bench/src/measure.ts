import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { cpuSeconds, peakMemoryMiB } from './processes.ts';

export interface Measurement {
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number };
  /** One request in flight, no queueing: the latency a call adds. */
  singleMs: { p50: number; p99: number };
  errors: number;
  cpuCores: number;
  peakMemoryMiB: number;
}

export interface MeasureOptions {
  url: string;
  pids: number[];
  connections: number;
  durationSec: number;
  warmupSec: number;
  singleRequests: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Closed loop, one request at a time, timed with hrtime: no load-generator queueing in the number. */
async function singleInFlight(url: string, count: number): Promise<{ p50: number; p99: number; errors: number }> {
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  const samples: number[] = [];
  let errors = 0;
  try {
    for (let i = 0; i < count + 200; i++) {
      const start = process.hrtime.bigint();
      try {
        const response = await request(url, { dispatcher: agent });
        await response.body.dump();
        if (response.statusCode !== 200) errors += 1;
      } catch {
        errors += 1;
      }
      if (i >= 200) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    await agent.close();
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), errors };
}

/** Saturation with a fixed number of connections (autocannon), then latency at one in flight. */
export async function measure(options: MeasureOptions): Promise<Measurement> {
  await autocannon({ url: options.url, connections: options.connections, duration: options.warmupSec });
  const cpuBefore = await Promise.all(options.pids.map(cpuSeconds));
  const startedAt = performance.now();
  const result = await autocannon({ url: options.url, connections: options.connections, duration: options.durationSec });
  const elapsedSec = (performance.now() - startedAt) / 1000;
  const cpuAfter = await Promise.all(options.pids.map(cpuSeconds));
  const single = await singleInFlight(options.url, options.singleRequests);
  const memory = await Promise.all(options.pids.map(peakMemoryMiB));
  const cpu = cpuAfter.reduce((sum, after, i) => sum + (after - (cpuBefore[i] ?? 0)), 0);
  return {
    requestsPerSec: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    singleMs: { p50: round(single.p50), p99: round(single.p99) },
    errors: result.errors + result.timeouts + result.non2xx + single.errors,
    cpuCores: round(cpu / elapsedSec),
    peakMemoryMiB: Math.round(memory.reduce((a, b) => a + b, 0)),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
