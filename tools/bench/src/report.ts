// The bench report in markdown: the machine and settings, the scenario table
// with ratios to bare node:http of the same run, the diagnostic chains, the
// platform's paragraphs and the verdicts against the targets.
import { chainLines } from './reportChains.ts';
import type { BenchResult, ScenarioResult } from './benchResult.ts';
import { firstLine, ok, viewOf, type RunView } from './reportFormat.ts';
import {
  checkoutLines,
  eventLines,
  failoverLines,
  microLines,
  profileLines,
  statementLines,
} from './reportSections.ts';
import { coldStartLines, cpuTakenAwayLines } from './reportOverload.ts';
import { targetLines } from './reportTargets.ts';

/**
 * The markdown tables and the verdicts against the targets; ratios are to bare node:http of the same run.
 * `chart`: where the CPU-taken-away chart is, relative to the markdown file (none: not drawn).
 */
export function renderMarkdown(bench: BenchResult, chart?: string): string {
  const view = viewOf(bench);
  return [
    ...headerLines(bench),
    ...scenarioTable(view),
    ...chainLines(view),
    ...microLines(bench),
    ...profileLines(bench),
    ...checkoutLines(bench),
    ...statementLines(bench),
    ...failoverLines(bench),
    ...eventLines(bench),
    ...cpuTakenAwayLines(bench, chart),
    ...coldStartLines(bench),
    ...targetLines(view),
  ].join('\n');
}

/** The machine, its load at the start (how noisy the figures are), the settings, and where the platform ran. */
function headerLines(bench: BenchResult): string[] {
  const { machine, settings } = bench;
  const lines = [
    `Measured ${bench.date} on ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAverage} at the start (above ~0.5 the machine was busy with other work and every figure is noisy). ${settings.connections} connections for ${settings.durationSec} s after ${settings.warmupSec} s warm-up; one-in-flight latency over ${settings.singleRequests} sequential requests. The load generator shares the machine's cores; its own CPU is shown after the servers'. CPU µs/req is the servers' CPU per request, whatever waited.`,
  ];
  if (bench.platform)
    lines.push(
      '',
      `Shop rows run on the real platform: ${bench.platform.topology}. Trace collector: ${bench.platform.collector}. CPU and memory are summed over every platform process (launcher, instances, PostgreSQL and its backends); memory is the peak of summed PSS, so PostgreSQL's shared memory counts once.`,
    );
  if (bench.platformError) lines.push('', `The platform did not start: ${firstLine(bench.platformError)}`);
  return lines;
}

/** Every scenario but the diagnostic chains, in the order run. */
function scenarioTable(view: RunView): string[] {
  return [
    '',
    '| scenario | req/s | ratio to bare | p50 / p90 / p99 ms (saturated) | one in flight p50 / p99 ms | server CPU cores (+ generator) | CPU µs/req | peak memory MiB | errors |',
    '|---|---:|---:|---|---|---:|---:|---:|---:|',
    ...view.bench.scenarios.filter((s) => s.group !== 'diagnostic').map((s) => scenarioRow(s, view)),
  ];
}

function scenarioRow(s: ScenarioResult, view: RunView): string {
  if (!ok(s.result)) return `| ${s.name} | failed: ${firstLine(s.result.error)} | | | | | | | |`;
  const m = s.result;
  return `| ${s.name} | ${m.requestsPerSec} | ${view.ratio(m)} | ${m.latencyMs.p50} / ${m.latencyMs.p90} / ${m.latencyMs.p99} | ${m.singleMs.p50.toFixed(3)} / ${m.singleMs.p99.toFixed(3)} | ${m.cpuCores} (+${m.generatorCores}) | ${m.cpuMicrosPerRequest} | ${m.peakMemoryMiB} | ${m.errors} |`;
}
