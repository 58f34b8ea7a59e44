// The report's overload scenarios (issue 22): CPU taken away and cold start,
// each with its figures by phase and by second, and their targets judged
// from the stored seconds (recorded, not asserted; a miss says by how much).
import type { ColdStartResult } from './coldStart.ts';
import type { CpuTakenAwayResult } from './cpuTakenAway.ts';
import type { BenchResult } from './benchResult.ts';
import { firstLine, ok, outcomes } from './reportFormat.ts';
import { during, figuresOf, recoveredAt, shareOf, type PhaseFigures, type SecondRow } from './seconds.ts';

export const ANSWERED_TARGET = 0.99;
export const RECOVERY_TARGET_SEC = 5;

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const DAY_MIX =
  'the day mix (56% product pages, 18% searches, 8% cart changes, 3% checkouts, 2% logins, 8% order lists, 5% notification lists)';

/** What the targets are judged on, from a stored run. */
export interface CpuVerdicts {
  /** Share of the arrivals due while busy loops ran that were answered (served or shed) within 1 s. */
  busyAnswered: number;
  /** Seconds from the stop to the second from which 99% were served again; undefined: not within the run. */
  recoveredAfterSec: number | undefined;
  /** Failed arrivals (any 5xx but the shedding 503, resets, timeouts) due after the stop. */
  failedAfterStop: number;
  /** Acknowledged checkouts not terminal when the bench stopped reading them. */
  openCheckouts: number;
}

export function cpuVerdicts(r: CpuTakenAwayResult): CpuVerdicts {
  const busy = r.phases.filter((p) => p.busyLoops > 0);
  const stopAt = r.phases.find((p) => p.name === 'after')?.from ?? r.seconds.length;
  const busyRows = busy.length === 0 ? [] : during(r.seconds, busy[0]!.from, busy.at(-1)!.to);
  const back = recoveredAt(r.seconds, stopAt);
  return {
    busyAnswered: shareOf(busyRows, 'answeredWithin1s'),
    recoveredAfterSec: back === undefined ? undefined : Math.max(0, Math.round((back - stopAt) * 10) / 10),
    failedAfterStop: Object.values(r.failuresAfterStop).reduce((a, b) => a + b, 0),
    openCheckouts: Object.values(r.checkouts.open).reduce((a, b) => a + b, 0),
  };
}

/** The scenario's paragraph, its table by phase, the chart (when it was drawn) and the seconds folded away. */
export function cpuTakenAwayLines(bench: BenchResult, chart: string | undefined): string[] {
  const r = bench.cpuTakenAway;
  if (!r) return [];
  if (!ok(r)) return ['', `**CPU taken away** failed: ${firstLine(r.error)}`];
  const v = cpuVerdicts(r);
  return [
    '',
    `**CPU taken away**: ${DAY_MIX} through load balancer + gateway, open loop at ${r.rate}/s ${rateNote(r)}, from ${r.shoppers} shoppers on ${r.sources} loopback addresses; load average ${r.loadAverageAtStart} at the start of the run, ${r.cores} cores. Busy loops (one process spinning a core each) are started and stopped at the phases' edges${loopCpu(r)}. Answered = served, or shed with 503, Retry-After and problem+json; failed = any other 5xx, a reset or a timeout (10 s). The busy loops stopped at ${r.phases.find((p) => p.name === 'after')?.from.toFixed(1) ?? '-'} s; ${recoverySentence(v)}. Failed over the run: ${outcomes(r.failures)}. Acknowledged checkouts (201 or 202) read back until terminal: ${r.checkouts.acknowledged}, of which ${outcomes(r.checkouts.terminal)} terminal${v.openCheckouts > 0 ? ` and ${outcomes(r.checkouts.open)} not after ${r.checkouts.tookSec} s` : ` (all within ${r.checkouts.tookSec} s of the run's end)`}.`,
    '',
    ...phaseTable(
      r.phases.map((p) => ({
        name: p.name,
        span: `${p.from.toFixed(1)}-${p.to.toFixed(1)}`,
        rows: during(r.seconds, p.from, p.to),
      })),
    ),
    ...(chart
      ? ['', `![CPU taken away: served, shed and failed per second, and p99, with the busy loops shaded](${chart})`]
      : []),
    ...secondsDetails(r.seconds),
  ];
}

function rateNote(r: CpuTakenAwayResult): string {
  if (!r.search)
    return `(given with --overload-rate; the quiet p99 ${r.quietP99Ms} ms is the quiet phase's worst second)`;
  const steps = r.search.steps.map((s) => `${s.rate}/s ${s.p99Ms} ms`).join(', ');
  return r.search.found
    ? `(the highest rate the quiet platform served with p99 under 250 ms and 99% served, in steps of 6 s: ${steps}; the quiet p99 is ${r.quietP99Ms} ms)`
    : `(no rate met p99 under 250 ms; the lowest step is offered: ${steps})`;
}

/** What the loops really took: a loop waiting for a core takes nothing, so this is the CPU taken away. */
function loopCpu(r: CpuTakenAwayResult): string {
  const measured = r.phases.filter((p) => p.busyLoops > 0 && p.busyLoopCores !== undefined);
  if (measured.length === 0) return '';
  return `; they used ${measured.map((p) => `${p.busyLoopCores} cores on average with ${p.busyLoops}`).join(' and ')}`;
}

function recoverySentence(v: CpuVerdicts): string {
  return v.recoveredAfterSec === undefined
    ? '99% of arrivals were not served again within the run'
    : `99% of arrivals were served again from ${v.recoveredAfterSec} s after the stop`;
}

function phaseTable(phases: Array<{ name: string; span: string; rows: SecondRow[] }>): string[] {
  const row = (name: string, span: string, f: PhaseFigures): string =>
    `| ${name} | ${span} | ${f.arrivals} | ${f.served} | ${f.shed} | ${f.failed} | ${pct(f.arrivals === 0 ? 1 : f.answeredWithin1s / f.arrivals)} | ${f.worstP99Ms} |`;
  return [
    "| phase | seconds | arrivals | served | shed (503 + Retry-After) | failed | answered within 1 s | worst second's p99 ms |",
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...phases.map((p) => row(p.name, p.span, figuresOf(p.rows))),
  ];
}

/** Every second's figures, folded (GitHub renders <details>). */
function secondsDetails(seconds: readonly SecondRow[]): string[] {
  return [
    '',
    '<details><summary>Per second</summary>',
    '',
    '| second | arrivals | served | shed | failed | answered within 1 s | p99 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...seconds.map(
      (s) =>
        `| ${s.second} | ${s.arrivals} | ${s.served} | ${s.shed} | ${s.failed} | ${s.answeredWithin1s} | ${s.p99Ms} |`,
    ),
    '',
    '</details>',
  ];
}

export function coldStartLines(bench: BenchResult): string[] {
  const r = bench.coldStart;
  if (!r) return [];
  if (!ok(r)) return ['', `**Cold start** failed: ${firstLine(r.error)}`];
  const first = r.seconds.slice(0, 5);
  return [
    '',
    `**Cold start**: the platform stopped and started again on the same data (the shoppers' accounts and tokens are in its database, so none is signed up after the start), ready in ${r.startSec} s; load average ${r.loadAverageAtStart} before the start. Then the CPU-taken-away rate, ${r.rate}/s of the same mix, from the first second after the launcher said ready, for ${r.durationSec} s. Failed: ${outcomes(r.failures)}.`,
    '',
    ...phaseTable([
      { name: 'first 5 s', span: `0-${first.length}`, rows: first },
      ...(r.seconds.length > first.length
        ? [{ name: 'the rest', span: `${first.length}-${r.seconds.length}`, rows: r.seconds.slice(first.length) }]
        : []),
      { name: 'all', span: `0-${r.seconds.length}`, rows: r.seconds },
    ]),
  ];
}

/** The overload targets for the report's targets list; nothing when neither scenario was in the run. */
export function overloadScenarioTargets(bench: BenchResult): string[] {
  return [...cpuTargets(bench.cpuTakenAway), ...coldStartTarget(bench.coldStart)];
}

function cpuTargets(r: BenchResult['cpuTakenAway']): string[] {
  if (!r) return [];
  if (!ok(r)) return ['- CPU taken away: did not run to the end (see above).'];
  const v = cpuVerdicts(r);
  const back = v.recoveredAfterSec;
  return [
    `- CPU taken away, while busy loops took the cores: ${pct(v.busyAnswered)} of arrivals answered within 1 s, served or shed with Retry-After (target at least 99%: ${shareVerdict(v.busyAnswered)}).`,
    `- CPU taken away, acknowledged checkouts that reached a terminal state: ${r.checkouts.acknowledged - v.openCheckouts} of ${r.checkouts.acknowledged} (target all: ${v.openCheckouts === 0 ? 'met' : `missed by ${v.openCheckouts}`}).`,
    `- CPU taken away, after the busy loops stopped: 99% of arrivals served again ${back === undefined ? 'not within the run' : `after ${back} s`} (target within ${RECOVERY_TARGET_SEC} s: ${back === undefined ? 'missed' : back <= RECOVERY_TARGET_SEC ? 'met' : `missed by ${(back - RECOVERY_TARGET_SEC).toFixed(1)} s`}); failures other than the shedding 503 after the stop: ${v.failedAfterStop}${v.failedAfterStop > 0 ? ` (${outcomes(r.failuresAfterStop)})` : ''} (target none: ${v.failedAfterStop === 0 ? 'met' : `missed by ${v.failedAfterStop}`}).`,
  ];
}

function coldStartTarget(r: BenchResult['coldStart']): string[] {
  if (!r) return [];
  if (!ok(r)) return ['- Cold start: did not run to the end (see above).'];
  const share = coldStartAnswered(r);
  return [
    `- Cold start: ${pct(share)} of arrivals answered within 1 s from the first second after ready (target at least 99%: ${shareVerdict(share)}).`,
  ];
}

export function coldStartAnswered(r: ColdStartResult): number {
  return shareOf(r.seconds, 'answeredWithin1s');
}

function shareVerdict(share: number): string {
  return share >= ANSWERED_TARGET ? 'met' : `missed by ${((ANSWERED_TARGET - share) * 100).toFixed(1)} points`;
}
