import { basename } from 'node:path';
import type { CheckoutResult } from './checkout.ts';
import type { EventRow } from './eventRows.ts';
import type { FailoverResult } from './failover.ts';
import type { Measurement } from './measure.ts';
import type { MicroResult } from './micro.ts';
import type { ProfileSummary } from './profile.ts';
import type { StatementCounts } from './statements.ts';

export interface ScenarioResult {
  key: string;
  name: string;
  /** baseline: the issue's rows; diagnostic: one change at a time between two chains; shop: the real platform. */
  group: 'baseline' | 'diagnostic' | 'shop';
  result: Measurement | { error: string };
}

type Failed = { error: string };

export interface BenchResult {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAverage: number };
  settings: { connections: number; durationSec: number; warmupSec: number; singleRequests: number };
  scenarios: ScenarioResult[];
  platform?: { topology: string; collector: string };
  platformError?: string;
  checkout?: CheckoutResult | Failed;
  failover?: FailoverResult | Failed;
  events?: EventRow[];
  overload?: { command: string; report: string; verdict: string };
  profiles?: Record<string, ProfileSummary[]>;
  micro?: MicroResult[];
  statements?: StatementCounts;
}

const ok = <T extends object>(r: T | Failed | undefined): r is T => r !== undefined && !('error' in r);

/** What each two-hop chain is made of: one change between neighbours. */
const CHAINS: Record<string, { front: string; client: string; tls: string; span: string }> = {
  'chain-raw': { front: 'bare Fastify', client: 'undici Pool', tls: 'no', span: '-' },
  'chain-raw-tls': { front: 'bare Fastify', client: 'undici Pool', tls: 'yes', span: '-' },
  'chain-kit-pool': { front: 'platform kit', client: 'undici Pool', tls: 'no', span: '-' },
  'chain-mesh-plain': { front: 'platform kit', client: 'mesh client', tls: 'no', span: 'yes' },
  'chain-mesh-nospan': { front: 'platform kit', client: 'mesh client', tls: 'yes', span: 'no' },
  'chain-mesh-notrace': { front: 'platform kit, untraced', client: 'mesh client', tls: 'yes', span: 'no' },
  'chain-mesh': { front: 'platform kit', client: 'mesh client', tls: 'yes', span: 'yes' },
};

/** The markdown tables and the verdicts against the issue's targets; ratios are to bare node:http of the same run. */
export function renderMarkdown(bench: BenchResult): string {
  const get = (key: string): Measurement | undefined => {
    const r = bench.scenarios.find((s) => s.key === key)?.result;
    return ok(r) ? r : undefined;
  };
  const bare = get('bare');
  const ratioOf = (m: Measurement | undefined): number | undefined =>
    m && bare ? m.requestsPerSec / bare.requestsPerSec : undefined;
  const ratio = (m: Measurement | undefined): string => ratioOf(m)?.toFixed(2) ?? '-';
  const lines = [
    `Measured ${bench.date} on ${bench.machine.cpus} x ${bench.machine.cpuModel}, ${bench.machine.memoryGiB} GiB, Node ${bench.machine.node}; load average ${bench.machine.loadAverage} at the start (above ~0.5 the machine was busy with other work and every figure is noisy). ${bench.settings.connections} connections for ${bench.settings.durationSec} s after ${bench.settings.warmupSec} s warm-up; one-in-flight latency over ${bench.settings.singleRequests} sequential requests. The load generator shares the machine's cores; its own CPU is shown after the servers'. CPU µs/req is the servers' CPU per request, whatever waited.`,
  ];
  if (bench.platform)
    lines.push(
      '',
      `Shop rows run on the real platform: ${bench.platform.topology}. Trace collector: ${bench.platform.collector}. CPU and memory are summed over every platform process (launcher, instances, PostgreSQL and its backends); memory is the peak of summed PSS, so PostgreSQL's shared memory counts once.`,
    );
  if (bench.platformError) lines.push('', `The platform did not start: ${bench.platformError.split('\n')[0]}`);
  lines.push(
    '',
    '| scenario | req/s | ratio to bare | p50 / p90 / p99 ms (saturated) | one in flight p50 / p99 ms | server CPU cores (+ generator) | CPU µs/req | peak memory MiB | errors |',
    '|---|---:|---:|---|---|---:|---:|---:|---:|',
  );
  for (const s of bench.scenarios.filter((x) => x.group !== 'diagnostic')) lines.push(row(s, ratio));

  const diagnostics = Object.keys(CHAINS)
    .map((key) => bench.scenarios.find((s) => s.key === key))
    .filter((s): s is ScenarioResult => s !== undefined);
  if (diagnostics.some((s) => s.group === 'diagnostic')) {
    lines.push(
      '',
      '**Two hops, one change at a time** (from the raw chain to the mesh chain; ELU is each process\'s event-loop utilisation over the saturated run: near 1 means its loop never waited for I/O; "waiting for a CPU" is the share of the run its main thread was runnable but not running (/proc schedstat): the machine, not the code).',
      '',
    );
    lines.push(
      '| chain | front | client | mTLS | mesh span | req/s | ratio to bare | one in flight p50 / p99 ms | CPU µs/req front + back | CPU cores front / back | ELU front / back | waiting for a CPU front / back |',
      '|---|---|---|---|---|---:|---:|---|---|---|---|---|',
    );
    for (const s of diagnostics) {
      const shape = CHAINS[s.key]!;
      if (!ok(s.result)) {
        lines.push(
          `| ${s.key} | ${shape.front} | ${shape.client} | ${shape.tls} | ${shape.span} | failed: ${s.result.error.split('\n')[0]} | | | | | | |`,
        );
        continue;
      }
      const m = s.result;
      lines.push(
        `| ${s.key} | ${shape.front} | ${shape.client} | ${shape.tls} | ${shape.span} | ${m.requestsPerSec} | ${ratio(m)} | ${m.singleMs.p50.toFixed(3)} / ${m.singleMs.p99.toFixed(3)} | ${m.cpuMicrosByRole.front ?? '-'} + ${m.cpuMicrosByRole.back ?? '-'} | ${m.cpuByRole.front ?? '-'} / ${m.cpuByRole.back ?? '-'} | ${m.elu?.front ?? '-'} / ${m.elu?.back ?? '-'} | ${m.starvedByRole.front ?? '-'} / ${m.starvedByRole.back ?? '-'} |`,
      );
    }
    const steps: Array<[string, string, string]> = [
      ['mTLS on the raw chain', 'chain-raw', 'chain-raw-tls'],
      ['the platform kit as the front', 'chain-raw', 'chain-kit-pool'],
      ['the mesh client instead of a Pool (no TLS)', 'chain-kit-pool', 'chain-mesh-plain'],
      ['mTLS under the mesh', 'chain-mesh-plain', 'chain-mesh'],
      ["the mesh client's span", 'chain-mesh-nospan', 'chain-mesh'],
      ["tracing in the front (the kit's server span and the mesh's client span)", 'chain-mesh-notrace', 'chain-mesh'],
    ];
    const deltas = steps.flatMap(([what, from, to]) => {
      const [a, b] = [get(from), get(to)];
      if (!a || !b) return [];
      const sign = (n: number): string => (n >= 0 ? `+${n}` : String(n));
      // Two servers and the generator on two cores wait some anyway (~0.2); past a third of the run waiting for a core, a row measured the machine, not the change.
      const starved = Math.max(...[a, b].flatMap((m) => Object.values(m.starvedByRole)));
      const caveat =
        starved > 0.35 ? ` (not meaningful: a process waited ${Math.round(starved * 100)}% of the run for a CPU)` : '';
      return [
        `${what}: ${sign(b.cpuMicrosPerRequest - a.cpuMicrosPerRequest)} µs CPU per request, throughput x${(b.requestsPerSec / a.requestsPerSec).toFixed(2)}, one in flight ${sign(Math.round((b.singleMs.p50 - a.singleMs.p50) * 1000) / 1000)} ms p50${caveat}`,
      ];
    });
    if (deltas.length > 0) lines.push('', `Each change on its own: ${deltas.join('; ')}.`);
  }

  const micro = new Map((bench.micro ?? []).map((m) => [m.case, m.cpuMicrosPerCall]));
  const undiciCall = micro.get('undici');
  if (undiciCall !== undefined) {
    const plus = (name: string): string => {
      const v = micro.get(name);
      return v === undefined ? '-' : `${v} µs (${signed(v - undiciCall, 1)})`;
    };
    lines.push(
      '',
      `**The mesh client's own code per call, without sockets** (the transport answers in-process; 50 calls in flight; CPU per call, best of 2 runs): a raw undici request() ${undiciCall} µs; the mesh client (P2C, breaker, retry budget, bulkhead, deadline) ${plus('mesh')}; with its recording span and traceparent ${plus('mesh-span')}.`,
    );
  }

  if (bench.profiles) {
    lines.push(
      '',
      "**CPU profiles** (the two-hop fronts by node --cpu-prof; a platform instance by its inspector, --profile-instance; saturated window only; shares of busy time; a profiled process runs slower, so these runs are not the table's):",
      '',
    );
    for (const [key, summaries] of Object.entries(bench.profiles)) {
      for (const p of summaries) {
        const areas = Object.entries(p.busyByOwner)
          .slice(0, 8)
          .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
          .join(', ');
        const focus = Object.entries(p.inclusive)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
          .join(', ');
        lines.push(
          `- ${key}${key.startsWith('product') ? ` (${basename(p.file, '.cpuprofile')})` : ''}: idle ${(p.idleShare * 100).toFixed(0)}% of ${p.sampledMs} ms sampled; busy time by owner (the package or file whose call it was) ${areas}; inclusive: ${focus}; top functions: ${p.topSelf
            .slice(0, 4)
            .map((f) => `${f.fn} ${(f.share * 100).toFixed(1)}%`)
            .join(', ')}.`,
        );
      }
    }
  }

  const checkout = bench.checkout;
  if (checkout) {
    if (ok(checkout)) {
      lines.push(
        '',
        `**Checkout** through load balancer + gateway, open loop at ${checkout.rate}/s for ${checkout.durationSec} s after 2 s warm-up (each arrival: one shopper adds a product to the cart, then checks out; ${checkout.shoppers} shoppers signed up and logged in ${checkout.prepareSec} s before timing): POST /orders p50 / p90 / p99 / max ${checkout.checkoutMs.p50} / ${checkout.checkoutMs.p90} / ${checkout.checkoutMs.p99} / ${checkout.checkoutMs.max} ms (orders placed only: p50 ${checkout.placedMs.p50}, p99 ${checkout.placedMs.p99} ms); arrival to done (cart + checkout, from the schedule) p50 ${checkout.arrivalToDoneMs.p50}, p99 ${checkout.arrivalToDoneMs.p99} ms. ${checkout.offered} offered; checkout answers: ${outcomes(checkout.outcomes)}; cart answers: ${outcomes(checkout.cartOutcomes)}. Platform CPU ${checkout.cpuCores} cores, peak memory ${checkout.peakMemoryMiB} MiB.`,
      );
    } else lines.push('', `**Checkout** failed: ${checkout.error.split('\n')[0]}`);
  }
  const statements = bench.statements;
  if (statements) {
    const services = Object.entries(statements.perCheckout)
      .map(([service, n]) => `${service} ${n}`)
      .join(', ');
    const top = statements.top
      .slice(0, 8)
      .map((t) => `${t.perCheckout} ${t.service}: \`${t.query}\``)
      .join('; ');
    lines.push(
      '',
      `**Statements per checkout** (pg_stat_statements over the open loop's ${statements.checkouts} checkouts, each with its cart change; background pollers included): ${statements.total} in all: ${services}. Most frequent: ${top}.`,
    );
  }

  const failover = bench.failover;
  if (failover) {
    if (ok(failover)) {
      lines.push(
        '',
        `**Failover**: browse mix (80% product reads, 20% searches) at ${failover.rate}/s through load balancer + gateway onto 2 product instances; ${failover.killed} SIGKILLed at ${failover.killAtSec} s of ${failover.durationSec} s. ${failover.failed} of ${failover.requests} requests failed${failover.failed > 0 ? ` (${outcomes(failover.failedByStatus)}, sent from ${failover.failuresFromMs} to ${failover.failuresToMs} ms after the kill${failover.failedBeforeKill > 0 ? `; ${failover.failedBeforeKill} of them before the kill: the offered rate was more than this machine could serve, so lower --failover-rate` : ''})` : ''}. The gateway ${failover.attemptsOnDead > 0 ? `sent ${failover.attemptsOnDead} attempt(s) to the dead instance (each refused and ejected it again, and was retried on the other), the last ${failover.lastAttemptOnDeadMs} ms after the kill` : 'sent no attempt to the dead instance'}; the launcher's replacement answered on the same port ${failover.replacementUpMs === undefined ? 'not within the run' : `${failover.replacementUpMs} ms after the kill`}. Latency p50 / p99 before the kill ${failover.latencyMs.beforeP50} / ${failover.latencyMs.beforeP99} ms, after ${failover.latencyMs.afterP50} / ${failover.latencyMs.afterP99} ms.`,
      );
    } else lines.push('', `**Failover** failed: ${failover.error.split('\n')[0]}`);
  }

  if (bench.events && bench.events.length > 0) {
    lines.push(
      '',
      "**Event lag**, publish to committed effect through a consumer group and inbox (measureEventLag; scratch databases on the platform's PostgreSQL, JetStream on the machine's nats-server):",
      '',
      '| backend | asked / published per s | events measured | p50 ms | p90 ms | p99 ms | max ms | missing |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const e of bench.events) {
      if ('error' in e) lines.push(`| ${e.backend} | failed: ${e.error.split('\n')[0]} | | | | | | |`);
      else
        lines.push(
          `| ${e.backend} | ${e.rate} / ${e.publishedRate} | ${e.events} | ${e.p50Ms} | ${e.p90Ms} | ${e.p99Ms} | ${e.maxMs} | ${e.missing} |`,
        );
    }
  }

  lines.push('', '**Against the targets** (recorded, not asserted; a miss says by how much):', '');
  const raw = get('chain-raw');
  const kitPool = get('chain-kit-pool');
  const mesh = get('chain-mesh');
  const nats = get('moleculer-nats');
  const tcp = get('moleculer-tcp');
  // The call is what the target is about: against the kit front with a plain undici Pool, only the client (mTLS, policies, span) differs.
  const callBase = kitPool ?? raw;
  if (callBase && mesh) {
    const addP50 = mesh.singleMs.p50 - callBase.singleMs.p50;
    const addP99 = mesh.singleMs.p99 - callBase.singleMs.p99;
    const against = kitPool
      ? 'the same platform-kit front calling through a plain keep-alive undici Pool'
      : 'the raw chain (bare Fastify front: the kit front is counted too)';
    const rawNote =
      kitPool && raw
        ? ` Against the raw chain, which also drops the kit front: ${signed(mesh.singleMs.p50 - raw.singleMs.p50)} ms p50, ${signed(mesh.singleMs.p99 - raw.singleMs.p99)} ms p99.`
        : '';
    lines.push(
      `- Mesh cost per call (mTLS + policies + span) over a raw undici call, one in flight, against ${against}: ${signed(addP50)} ms p50 (target at most +0.05: ${verdict(addP50 <= 0.05, addP50 - 0.05, 'ms')}), ${signed(addP99)} ms p99 (target at most +0.10: ${verdict(addP99 <= 0.1, addP99 - 0.1, 'ms')}).${rawNote}`,
    );
  }
  const gateway = get('product-gateway');
  const versus = (m: Measurement): string =>
    `${nats ? (m.requestsPerSec >= nats.requestsPerSec ? 'ahead of Moleculer over NATS' : `behind Moleculer over NATS (${ratio(nats)}) by ${nats.requestsPerSec - m.requestsPerSec} req/s`) : 'Moleculer over NATS did not run'}${tcp ? (m.requestsPerSec >= tcp.requestsPerSec ? ', and over TCP' : `; Moleculer over TCP ${ratio(tcp)}`) : ''}`;
  if (gateway) {
    const r = ratioOf(gateway)!;
    lines.push(
      `- Gateway -> service (the real gateway and product instance, full mesh): ${r.toFixed(2)} of bare node:http (target at least 0.30: ${verdict(r >= 0.3, 0.3 - r, 'of bare')}); ${versus(gateway)}.`,
    );
  }
  if (mesh && bare) {
    const r = ratioOf(mesh)!;
    lines.push(
      `- Two hops through the full mesh (fixtures, the same read as the Moleculer rows): ${r.toFixed(2)} of bare (target at least 0.30: ${verdict(r >= 0.3, 0.3 - r, 'of bare')}); ${versus(mesh)}.`,
    );
  }
  const lb = get('product-lb');
  if (lb) {
    const r = ratioOf(lb)!;
    lines.push(
      `- Product read through load balancer + gateway + service: ${r.toFixed(2)} of bare (target at least 0.25: ${verdict(r >= 0.25, 0.25 - r, 'of bare')}).`,
    );
  } else lines.push('- Product read through load balancer + gateway + service: not in this run.');
  if (checkout && ok(checkout)) {
    const p99 = checkout.checkoutMs.p99;
    const unsent =
      (checkout.outcomes['no free shopper'] ?? 0) > 0
        ? ` (${checkout.outcomes['no free shopper']} arrivals found every shopper busy and were not sent)`
        : '';
    lines.push(
      `- Checkout p99 at ${checkout.rate} checkouts/s: ${p99} ms (target under 50 ms: ${verdict(p99 < 50, p99 - 50, 'ms')})${unsent}.`,
    );
  } else lines.push('- Checkout p99 at 200 checkouts/s: not in this run.');
  if (bench.overload)
    lines.push(
      `- At 3x saturation, goodput at least 90% of peak: ${bench.overload.verdict} (${bench.overload.command}; report ${bench.overload.report}).`,
    );
  else
    lines.push(
      '- At 3x saturation, goodput at least 90% of peak: not part of this run. Get it with `npm start` and `npm run load -- --overload` (verdict printed, report in bench/load/), or `npm run bench -- --overload` to run it against the bench platform.',
    );
  return lines.join('\n');
}

function row(s: ScenarioResult, ratio: (m: Measurement | undefined) => string): string {
  if (!ok(s.result)) return `| ${s.name} | failed: ${s.result.error.split('\n')[0]} | | | | | | | |`;
  const m = s.result;
  return `| ${s.name} | ${m.requestsPerSec} | ${ratio(m)} | ${m.latencyMs.p50} / ${m.latencyMs.p90} / ${m.latencyMs.p99} | ${m.singleMs.p50.toFixed(3)} / ${m.singleMs.p99.toFixed(3)} | ${m.cpuCores} (+${m.generatorCores}) | ${m.cpuMicrosPerRequest} | ${m.peakMemoryMiB} | ${m.errors} |`;
}

function outcomes(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} x${v}`).join(', ');
}

function signed(n: number, digits = 3): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
}

function verdict(met: boolean, gap: number, unit: string): string {
  return met ? 'met' : `missed by ${gap.toFixed(unit === 'ms' && Math.abs(gap) >= 10 ? 1 : 3)} ${unit}`;
}
