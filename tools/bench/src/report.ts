import type { Measurement } from './measure.ts';

export interface BenchResult {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  settings: { connections: number; durationSec: number; warmupSec: number; singleRequests: number };
  scenarios: Array<{ key: string; name: string; result: Measurement | { error: string } }>;
}

const ok = (r: Measurement | { error: string } | undefined): r is Measurement => r !== undefined && !('error' in r);

/** The markdown table and the verdicts against the issue's targets; ratios are to bare node:http of the same run. */
export function renderMarkdown(bench: BenchResult): string {
  const get = (key: string): Measurement | undefined => {
    const r = bench.scenarios.find((s) => s.key === key)?.result;
    return ok(r) ? r : undefined;
  };
  const bare = get('bare');
  const ratio = (m: Measurement | undefined): string => (m && bare ? (m.requestsPerSec / bare.requestsPerSec).toFixed(2) : '-');
  const lines = [
    `Measured ${bench.date} on ${bench.machine.cpus} x ${bench.machine.cpuModel}, ${bench.machine.memoryGiB} GiB, Node ${bench.machine.node}; ${bench.settings.connections} connections for ${bench.settings.durationSec} s after ${bench.settings.warmupSec} s warm-up; single-flight latency over ${bench.settings.singleRequests} sequential requests. The load generator shares the machine's cores.`,
    '',
    '| scenario | req/s | ratio to bare | p50 / p90 / p99 ms (saturated) | one in flight p50 / p99 ms | server CPU (cores) | peak RSS MiB | errors |',
    '|---|---:|---:|---|---|---:|---:|---:|',
  ];
  for (const s of bench.scenarios) {
    if (!ok(s.result)) {
      lines.push(`| ${s.name} | failed: ${s.result.error.split('\n')[0]} | | | | | | |`);
      continue;
    }
    const m = s.result;
    lines.push(`| ${s.name} | ${m.requestsPerSec} | ${ratio(m)} | ${m.latencyMs.p50} / ${m.latencyMs.p90} / ${m.latencyMs.p99} | ${m.singleMs.p50.toFixed(3)} / ${m.singleMs.p99.toFixed(3)} | ${m.cpuCores} | ${m.peakMemoryMiB} | ${m.errors} |`);
  }
  const raw = get('chain-raw');
  const mesh = get('chain-mesh');
  const nats = get('moleculer-nats');
  const tcp = get('moleculer-tcp');
  lines.push('', '**Against the targets** (recorded, not asserted; a miss says by how much):', '');
  if (raw && mesh) {
    const addP50 = mesh.singleMs.p50 - raw.singleMs.p50;
    const addP99 = mesh.singleMs.p99 - raw.singleMs.p99;
    lines.push(`- Mesh cost per call over a raw keep-alive undici call, one in flight: +${addP50.toFixed(3)} ms p50 (target at most +0.05: ${verdict(addP50 <= 0.05, addP50 - 0.05, 'ms')}), +${addP99.toFixed(3)} ms p99 (target at most +0.10: ${verdict(addP99 <= 0.1, addP99 - 0.1, 'ms')}).`);
  }
  if (mesh && bare) {
    const r = mesh.requestsPerSec / bare.requestsPerSec;
    lines.push(`- Two hops through the full mesh: ${r.toFixed(2)} of bare node:http (target at least 0.30: ${verdict(r >= 0.3, 0.3 - r, 'of bare')}); Moleculer over NATS ${ratio(nats)}, over TCP ${ratio(tcp)}: ${nats ? (mesh.requestsPerSec >= nats.requestsPerSec ? 'ahead of Moleculer over NATS' : `behind Moleculer over NATS by ${(nats.requestsPerSec - mesh.requestsPerSec).toFixed(0)} req/s`) : 'Moleculer over NATS did not run'}${tcp ? (mesh.requestsPerSec >= tcp.requestsPerSec ? ', and over TCP' : `, behind Moleculer over TCP by ${(tcp.requestsPerSec - mesh.requestsPerSec).toFixed(0)} req/s`) : ''}.`);
  }
  lines.push('- Shop scenarios (product read direct, through the gateway, through load balancer + gateway, checkout) and the failover figure are not in this run yet.');
  return lines.join('\n');
}

function verdict(met: boolean, gap: number, unit: string): string {
  return met ? 'met' : `missed by ${gap.toFixed(3)} ${unit}`;
}
