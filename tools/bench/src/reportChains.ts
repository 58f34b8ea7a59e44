// The report's diagnostic part: the two-hop chains, one change at a time
// between neighbours, and what each change costs on its own.
import type { Measurement } from './measure.ts';
import type { ScenarioResult } from './benchResult.ts';
import { firstLine, ok, type RunView } from './reportFormat.ts';

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

/** Each change between two chains: [what changed, from, to]. */
const STEPS: Array<[string, string, string]> = [
  ['mTLS on the raw chain', 'chain-raw', 'chain-raw-tls'],
  ['the platform kit as the front', 'chain-raw', 'chain-kit-pool'],
  ['the mesh client instead of a Pool (no TLS)', 'chain-kit-pool', 'chain-mesh-plain'],
  ['mTLS under the mesh', 'chain-mesh-plain', 'chain-mesh'],
  ["the mesh client's span", 'chain-mesh-nospan', 'chain-mesh'],
  ["tracing in the front (the kit's server span and the mesh's client span)", 'chain-mesh-notrace', 'chain-mesh'],
];

/** The chains table and the effect of each change, when the run had diagnostics; otherwise nothing. */
export function chainLines(view: RunView): string[] {
  const diagnostics = Object.keys(CHAINS)
    .map((key) => view.bench.scenarios.find((s) => s.key === key))
    .filter((s): s is ScenarioResult => s !== undefined);
  if (!diagnostics.some((s) => s.group === 'diagnostic')) return [];
  const lines = [
    '',
    '**Two hops, one change at a time** (from the raw chain to the mesh chain; ELU is each process\'s event-loop utilisation over the saturated run: near 1 means its loop never waited for I/O; "waiting for a CPU" is the share of the run its main thread was runnable but not running (/proc schedstat): the machine, not the code).',
    '',
    '| chain | front | client | mTLS | mesh span | req/s | ratio to bare | one in flight p50 / p99 ms | CPU µs/req front + back | CPU cores front / back | ELU front / back | waiting for a CPU front / back |',
    '|---|---|---|---|---|---:|---:|---|---|---|---|---|',
    ...diagnostics.map((s) => chainRow(s, view)),
  ];
  const deltas = STEPS.flatMap(([what, from, to]) => {
    const [a, b] = [view.get(from), view.get(to)];
    return a && b ? [delta(what, a, b)] : [];
  });
  if (deltas.length > 0) lines.push('', `Each change on its own: ${deltas.join('; ')}.`);
  return lines;
}

function chainRow(s: ScenarioResult, view: RunView): string {
  const shape = CHAINS[s.key]!;
  const made = `| ${s.key} | ${shape.front} | ${shape.client} | ${shape.tls} | ${shape.span} |`;
  if (!ok(s.result)) return `${made} failed: ${firstLine(s.result.error)} | | | | | | |`;
  const m = s.result;
  return `${made} ${m.requestsPerSec} | ${view.ratio(m)} | ${m.singleMs.p50.toFixed(3)} / ${m.singleMs.p99.toFixed(3)} | ${m.cpuMicrosByRole.front ?? '-'} + ${m.cpuMicrosByRole.back ?? '-'} | ${m.cpuByRole.front ?? '-'} / ${m.cpuByRole.back ?? '-'} | ${m.elu?.front ?? '-'} / ${m.elu?.back ?? '-'} | ${m.starvedByRole.front ?? '-'} / ${m.starvedByRole.back ?? '-'} |`;
}

/** What going from chain `a` to chain `b` cost: CPU per request, throughput, one-in-flight latency. */
function delta(what: string, a: Measurement, b: Measurement): string {
  const sign = (n: number): string => (n >= 0 ? `+${n}` : String(n));
  // Two servers and the generator on two cores wait some anyway (~0.2); past a third of the run waiting for a core, a row measured the machine, not the change.
  const starved = Math.max(...[a, b].flatMap((m) => Object.values(m.starvedByRole)));
  const caveat =
    starved > 0.35 ? ` (not meaningful: a process waited ${Math.round(starved * 100)}% of the run for a CPU)` : '';
  return `${what}: ${sign(b.cpuMicrosPerRequest - a.cpuMicrosPerRequest)} µs CPU per request, throughput x${(b.requestsPerSec / a.requestsPerSec).toFixed(2)}, one in flight ${sign(Math.round((b.singleMs.p50 - a.singleMs.p50) * 1000) / 1000)} ms p50${caveat}`;
}
